import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import { OpenStackHttpError, errorDetail } from '../../../src/providers/openstack/http.js';
import type { ServiceType } from '../../../src/providers/openstack/keystone.js';
import type { ServiceSession } from '../../../src/providers/openstack/service-client.js';

export interface RecordedRequest {
  service: ServiceType;
  method: string;
  url: string;
  params?: Record<string, unknown>;
  data?: unknown;
}

export interface RecordedAnswer {
  status: number;
  data?: unknown;
}

/** One recorded exchange: the request it answers, and the answer the service gave. */
export interface Recording {
  service: ServiceType;
  method: string;
  /** The path after the service's endpoint, e.g. `/v1/containers`. */
  path: string | RegExp;
  answer: RecordedAnswer | ((request: RecordedRequest) => RecordedAnswer);
}

/**
 * The HTTP layer under the OpenStack clients, replaying recorded answers: each request takes
 * the first unused recording that matches its service, method and path, and a request with
 * none left fails the test. Failures come back as the real layer raises them.
 */
export class RecordedSession implements ServiceSession {
  readonly requests: RecordedRequest[] = [];
  private readonly unused: Recording[];

  constructor(recordings: Recording[]) {
    this.unused = [...recordings];
  }

  get remaining(): number {
    return this.unused.length;
  }

  async request<T>(service: ServiceType, config: AxiosRequestConfig): Promise<AxiosResponse<T>> {
    const request: RecordedRequest = {
      service,
      method: (config.method ?? 'GET').toUpperCase(),
      url: config.url ?? '',
      ...(config.params ? { params: config.params as Record<string, unknown> } : {}),
      ...(config.data !== undefined ? { data: config.data } : {}),
    };
    this.requests.push(request);
    const index = this.unused.findIndex(
      (r) =>
        r.service === service &&
        r.method === request.method &&
        (typeof r.path === 'string' ? r.path === request.url : r.path.test(request.url)),
    );
    if (index < 0)
      throw new Error(`no recorded answer for ${service} ${request.method} ${request.url}`);
    const [recording] = this.unused.splice(index, 1);
    const answer =
      typeof recording!.answer === 'function' ? recording!.answer(request) : recording!.answer;
    if (answer.status >= 400)
      throw new OpenStackHttpError(
        service,
        request.method,
        request.url,
        answer.status,
        errorDetail(answer.data),
      );
    return {
      status: answer.status,
      statusText: '',
      data: answer.data as T,
      headers: {},
      config: {} as AxiosResponse['config'],
    };
  }
}
