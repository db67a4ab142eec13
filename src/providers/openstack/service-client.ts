import type { AxiosRequestConfig } from 'axios';
import { OpenStackHttpError } from './http.js';
import type { KeystoneSession, ServiceType } from './keystone.js';

/** The one thing a service client needs of a session; tests replay recorded answers through it. */
export type ServiceSession = Pick<KeystoneSession, 'request'>;

/** What every service client shares: the session, a path prefix and extra headers. */
export abstract class ServiceClient {
  protected abstract readonly service: ServiceType;
  protected readonly prefix: string = '';
  protected readonly headers: Record<string, string> = {};

  constructor(protected readonly session: ServiceSession) {}

  protected async call<T>(config: AxiosRequestConfig): Promise<T> {
    const response = await this.session.request<T>(this.service, {
      ...config,
      url: `${this.prefix}${config.url ?? ''}`,
      headers: { ...this.headers, ...config.headers },
    });
    return response.data;
  }

  protected get<T>(url: string, params?: Record<string, string | number>): Promise<T> {
    return this.call<T>({ method: 'GET', url, ...(params ? { params } : {}) });
  }

  /** A GET where 404 means "not there", not an error. */
  protected async find<T>(url: string): Promise<T | undefined> {
    try {
      return await this.get<T>(url);
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  protected post<T>(url: string, data: unknown): Promise<T> {
    return this.call<T>({ method: 'POST', url, data });
  }

  protected put<T>(url: string, data?: unknown): Promise<T> {
    return this.call<T>({ method: 'PUT', url, ...(data === undefined ? {} : { data }) });
  }

  /** Deleting what is already gone succeeds: every delete is idempotent. */
  protected async remove(url: string, params?: Record<string, string>): Promise<void> {
    try {
      await this.call({ method: 'DELETE', url, ...(params ? { params } : {}) });
    } catch (error) {
      if (error instanceof OpenStackHttpError && error.status === 404) return;
      throw error;
    }
  }
}
