/** Which methods each documented path answers, to tell 405 from 404 for a concrete URL. */
export class RouteTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  constructor(paths: Record<string, Record<string, unknown>>) {
    for (const [template, operations] of Object.entries(paths)) {
      const source = template
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('[^/]+');
      this.routes.push({
        pattern: new RegExp(`^${source}/?$`),
        methods: new Set(Object.keys(operations).map((m) => m.toUpperCase())),
      });
    }
  }

  /** The methods the path answers, or an empty list when no documented path matches it. */
  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) {
      if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    }
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  }
}
