import { methodOf, pathOf, statusOf } from '../../../src/processors/route';

describe('what a server span says about its request', () => {
  it('reads the method, status and path of the current semantic conventions first', () => {
    const attributes = {
      'http.request.method': 'PATCH',
      'http.method': 'GET',
      'http.response.status_code': 201,
      'http.status_code': 500,
      'url.path': '/meetings/4',
      'http.target': '/old',
    };
    expect([methodOf(attributes), statusOf(attributes), pathOf(attributes)]).toEqual(['PATCH', 201, '/meetings/4']);
  });

  it('falls back on the older conventions', () => {
    const attributes = { 'http.method': 'GET', 'http.status_code': 404, 'http.target': '/old?x=1' };
    expect([methodOf(attributes), statusOf(attributes), pathOf(attributes)]).toEqual(['GET', 404, '/old?x=1']);
  });

  it('has none of them when they are missing, of another type, or an empty path', () => {
    expect([methodOf({}), statusOf({}), pathOf({})]).toEqual([undefined, undefined, undefined]);
    const wrong = { 'http.request.method': 7, 'http.response.status_code': '200', 'url.path': ['/a'] };
    expect([methodOf(wrong), statusOf(wrong), pathOf(wrong)]).toEqual([undefined, undefined, undefined]);
    expect(pathOf({ 'url.path': '' })).toBeUndefined();
  });
});
