import { MAX_LEARNED_POSITIONS, MAX_WORDS_PER_POSITION, PathTemplates } from '../../src/processors/path-templates';
import { RouteLabels } from '../../src/processors/route-labels';

describe('route labels of plain http apps (no framework route)', () => {
  it('learns that a position is a parameter once it has shown more than MAX_WORDS_PER_POSITION distinct words', () => {
    const paths = new PathTemplates();
    const names = Array.from({ length: MAX_WORDS_PER_POSITION + 2 }, (_, i) => `user${String.fromCharCode(97 + i)}`);
    const labels = names.map((name) => paths.template(`/users/${name}/posts`, true));
    expect(labels.slice(MAX_WORDS_PER_POSITION)).toEqual(Array(names.length - MAX_WORDS_PER_POSITION).fill('/users/{name}/posts'));
    expect(labels.slice(0, MAX_WORDS_PER_POSITION)).toEqual(names.slice(0, MAX_WORDS_PER_POSITION).map((name) => `/users/${name}/posts`));
    expect(paths.template('/users/usera/posts', true)).toBe('/users/{name}/posts');
    expect(paths.template('/users/zed/posts', false)).toBe('/users/{name}/posts');
  });

  it('keeps the words of a position that does not vary', () => {
    const paths = new PathTemplates();
    for (let i = 0; i < 50; i += 1) {
      expect(paths.template(`/meetings/${i}/attendees`, true)).toBe('/meetings/{id}/attendees');
      expect(paths.template('/users/me/settings', true)).toBe('/users/me/settings');
    }
  });

  it('gives every real route its own label under 10,000 scanner probes and static files, with a budget of 10', () => {
    const routes = new RouteLabels(10);
    const real = ['/meetings/7', '/users/42/settings', '/report', '/health'];
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 10_000; i += 1) {
      const junk = [
        routes.ofResponse(undefined, 401, `/wp-admin/setup-${i}.php`),
        routes.ofResponse(undefined, 403, `/.env.${i}`),
        routes.ofResponse(undefined, 404, `/probe/${i}/x`),
        routes.ofResponse(undefined, 200, `/assets/logo-${i}.png`),
        routes.ofResponse(undefined, 200, `/js/chunk${i}.js`),
      ];
      expect(junk.slice(0, 3)).toEqual(['UNMATCHED', 'UNMATCHED', 'UNMATCHED']);
      const path = real[i % real.length]!;
      const label = routes.ofResponse(undefined, 200, path);
      seen.set(path, (seen.get(path) ?? new Set()).add(label));
    }
    expect(Object.fromEntries([...seen].map(([path, labels]) => [path, [...labels]]))).toEqual({
      '/meetings/7': ['/meetings/{id}'],
      '/users/42/settings': ['/users/{id}/settings'],
      '/report': ['/report'],
      '/health': ['/health'],
    });
    expect(routes.ofResponse(undefined, 200, '/assets/photo-of-alice.png')).toBe('/assets/{file}.png');
  });

  it("labels a route's failed requests by its route once it has answered, UNMATCHED before", () => {
    const routes = new RouteLabels(10);
    expect(routes.ofResponse(undefined, 401, '/admin/reports')).toBe('UNMATCHED');
    expect(routes.ofResponse(undefined, 200, '/admin/reports')).toBe('/admin/reports');
    expect(routes.ofResponse(undefined, 401, '/admin/reports')).toBe('/admin/reports');
    expect(routes.ofResponse(undefined, 500, '/admin/reports')).toBe('/admin/reports');
    expect(routes.ofResponse(undefined, 404, '/admin/reports')).toBe('UNMATCHED');
  });
});

describe('what unanswered requests (status 400 and up) may not teach', () => {
  it('takes 400 for a failure and 399 for an answer', () => {
    const routes = new RouteLabels(10);
    expect(routes.ofResponse(undefined, 400, '/exports')).toBe('UNMATCHED');
    expect(routes.ofResponse(undefined, 399, '/imports')).toBe('/imports');
  });

  it('learns no varying position from them, however many words they show', () => {
    const paths = new PathTemplates();
    expect(paths.template('/users/bob/posts', true)).toBe('/users/bob/posts');
    for (let i = 0; i < MAX_WORDS_PER_POSITION * 3; i++) paths.template(`/users/probe${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}/posts`, false);
    expect(paths.template('/users/alice/posts', true)).toBe('/users/alice/posts');
  });

  it(`fills none of the ${MAX_LEARNED_POSITIONS} learned positions, so a scan cannot turn later routes into parameters`, () => {
    const paths = new PathTemplates();
    const word = (n: number) => n.toString(26).replace(/\d/g, (digit) => String.fromCharCode(113 + Number(digit)));
    for (let i = 0; i < MAX_LEARNED_POSITIONS + 100; i++) paths.template(`/${word(i)}/index`, false);
    expect(paths.template('/reports/weekly', true)).toBe('/reports/weekly');
  });
});

describe('paths with unusual segments', () => {
  it('keeps empty segments (a doubled or trailing slash) as they are', () => {
    const paths = new PathTemplates();
    expect(paths.template('/users//posts', true)).toBe('/users//posts');
    expect(paths.template('/users/', true)).toBe('/users/');
  });

  it('keeps a lower-case word of up to 32 characters and takes a longer one for content', () => {
    const paths = new PathTemplates();
    expect(paths.template(`/docs/${'a'.repeat(32)}`, true)).toBe(`/docs/${'a'.repeat(32)}`);
    expect(paths.template(`/docs/${'b'.repeat(33)}`, true)).toBe('/docs/{name}');
  });

  it('labels a request whose URL the server does not know as UNMATCHED', () => {
    expect(new RouteLabels(10).ofResponse(undefined, 200, undefined)).toBe('UNMATCHED');
  });

  it('takes an empty framework route for none', () => {
    const routes = new RouteLabels(10);
    expect(routes.ofResponse('', 200, '/meetings/7')).toBe('/meetings/{id}');
    expect(routes.ofSpan({ 'http.route': '', 'url.path': '/meetings/8', 'http.response.status_code': 200 }, 'GET')).toBe('/meetings/{id}');
    // Still a plain-http app: a path no route answered is its own template, not UNMATCHED.
    expect(routes.ofResponse(undefined, 200, '/users/5')).toBe('/users/{id}');
  });
});

describe('route labels of framework apps', () => {
  it("uses the framework's route, and counts whatever no route answered as UNMATCHED", () => {
    const routes = new RouteLabels(10);
    expect(routes.ofResponse('/meetings/:id', 200, '/meetings/7')).toBe('/meetings/:id');
    expect(routes.ofResponse(undefined, 200, '/logo.png')).toBe('UNMATCHED');
    expect(routes.ofResponse(undefined, 401, '/wp-admin/setup.php')).toBe('UNMATCHED');
  });

  it('counts routes past the budget as OTHER', () => {
    const routes = new RouteLabels(2);
    expect(['/a', '/b', '/c', '/a'].map((route) => routes.ofResponse(route, 200, route))).toEqual(['/a', '/b', 'OTHER', '/a']);
  });

  it('reads the same label back from the span the http instrumentation labelled', () => {
    const routes = new RouteLabels(2);
    const label = routes.ofResponse('/meetings/:id', 200, '/meetings/7');
    expect(routes.ofSpan({ 'http.route': label, 'url.path': '/meetings/7' }, 'GET')).toBe('/meetings/:id');
    expect(routes.ofSpan({ 'http.route': 'UNMATCHED' }, 'GET')).toBe('UNMATCHED');
    expect(routes.ofResponse('/users/:id', 200, '/users/1')).toBe('/users/:id');
  });
});
