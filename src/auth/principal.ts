export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a token scoped to one project, or a platform administrator's token. */
export interface Principal {
  tokenId: string;
  /** Undefined for a platform administrator. */
  projectId?: string;
  role: Role;
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.projectId === undefined && principal.role === 'admin';
}
