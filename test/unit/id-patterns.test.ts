import { templateKey } from '../../src/id-patterns';
import { templatePath } from '../../src/processors/route';

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
    ['/static/app.3f2a9c1b.js', '/static/app.{id}.js'],
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
