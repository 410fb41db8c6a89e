import { templateKey } from '../../src/id-patterns';
import { PathTemplates } from '../../src/processors/path-templates';

const templatePath = (path: string): string => new PathTemplates().template(path, true);

describe('ids and personal values in labels', () => {
  it.each([
    ['/meetings/42/attendees', '/meetings/{id}/attendees'],
    ['/users/3f2b8c1e-4d5a-4b6c-9d7e-0a1b2c3d4e5f', '/users/{id}'],
    ['/reset/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop', '/reset/{id}'],
    ['/invite/bob@example.com', '/invite/{id}'],
    ['/blobs/deadbeef1', '/blobs/{id}'],
    ['/files/aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=', '/files/{id}'],
    ['/v2/oauth2/callback?code=secret', '/v2/oauth2/callback'],
    ['/users/ann%40acme.com', '/users/{id}'],
    ['/static/app.3f2a9c1b.js', '/static/{file}.js'],
    ['/durations/31m', '/durations/{id}'],
    ['/thumbs/300x200', '/thumbs/{id}'],
    ['/days/2024-01-05/agenda', '/days/{id}/agenda'],
    ['/orders/order-42', '/orders/order-{id}'],
    ['/auth/2fa', '/auth/2fa'],
    ['/users/alice.smith/posts', '/users/{name}/posts'],
    ['/search/john%20smith%20hiv%20test', '/search/{name}'],
    ['/posts/how-to-cook-rice', '/posts/{name}'],
    ['/users/Alice', '/users/{name}'],
    ['/users/abc-def/posts', '/users/{name}/posts'],
    ['/user-settings', '/user-settings'],
    ['/x%1B%5B2J%1B%5D0%3BPWNED%07', '/{name}'],
    ['/health', '/health'],
    ['/users/me', '/users/me'],
  ])('templates the path %s as %s', (path, expected) => {
    expect(templatePath(path)).toBe(expected);
  });

  it.each([
    ['user:42:settings', 'user:{id}:settings'],
    ['user:bob@example.com:settings', 'user:{id}:settings'],
    ['session:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0', 'session:{id}'],
    ['meetings:12:list:page:3', 'meetings:{id}:list:page:{id}'],
    ['user_42', 'user_{id}'],
    ['cache:v2:products', 'cache:v2:products'],
    ['settings:notifications.email.enabled', 'settings:notifications.email.enabled'],
    ['i18n:messages', 'i18n:messages'],
    ['session:abc', 'session:abc'],
  ])('templates the cache key %s as %s', (key, expected) => {
    expect(templateKey(key)).toBe(expected);
  });
});
