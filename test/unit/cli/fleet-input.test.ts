import { CliError } from '../../../src/cli/cli-error';
import { parsePromDuration } from '../../../src/cli/fleet/duration';
import { BASIC_AUTH_VARIABLE, BEARER_TOKEN_VARIABLE, credentialsFrom } from '../../../src/cli/fleet/prometheus-credentials';
import { parseSelector } from '../../../src/cli/fleet/selector';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

describe('parseSelector', () => {
  it('keeps label matchers as written, in braces, to append to a metric name', () => {
    expect(parseSelector('{job="api"}')).toBe('{job="api"}');
    expect(parseSelector(' { job = "api" , instance=~"10\\\\..*", env!=\'dev\', zone!~`eu-.*`, } ')).toBe(
      '{job="api",instance=~"10\\\\..*",env!=\'dev\',zone!~`eu-.*`}',
    );
    expect(parseSelector('job="api"')).toBe('{job="api"}');
    expect(parseSelector('{job="a \\"quoted\\" name"}')).toBe('{job="a \\"quoted\\" name"}');
    expect(parseSelector('{path=~"/a}b,c", env="x"}')).toBe('{path=~"/a}b,c",env="x"}');
  });

  it('turns an empty selector into nothing to append', () => {
    expect(parseSelector('')).toBe('');
    expect(parseSelector('{}')).toBe('');
    expect(parseSelector('  { }  ')).toBe('');
  });

  it('rejects anything but label matchers, saying where and what was expected', () => {
    expect(messageOf(() => parseSelector('{job=api}'))).toBe(`invalid --selector '{job=api}': expected a quoted value at position 6, like {job="api"}`);
    expect(messageOf(() => parseSelector('{job="api"'))).toBe(`invalid --selector '{job="api"': expected '}' at position 11, like {job="api"}`);
    expect(messageOf(() => parseSelector('up{job="api"}'))).toMatch(/^invalid --selector 'up\{job="api"\}': expected one of = != =~ !~ at position 3/);
    expect(messageOf(() => parseSelector('{job="api"} or vector(1)'))).toMatch(/expected the end at position 13/);
    expect(messageOf(() => parseSelector('{job="api" instance="a"}'))).toMatch(/expected ',' or '}' at position 12/);
    expect(messageOf(() => parseSelector('{job=="api"}'))).toMatch(/expected a quoted value at position 6/);
    expect(messageOf(() => parseSelector('{job="api}'))).toMatch(/expected a quoted value at position 6/);
    expect(messageOf(() => parseSelector('{1job="api"}'))).toMatch(/expected a label name at position 2/);
    expect(messageOf(() => parseSelector('{__name__="up"}'))).toMatch(/selects series by label; the metric names are spanlens' own/);
  });
});

describe('parsePromDuration', () => {
  it('reads PromQL durations, largest unit first', () => {
    expect(parsePromDuration('1h', '--range')).toEqual({ text: '1h', seconds: 3600 });
    expect(parsePromDuration('1d', '--range').seconds).toBe(86_400);
    expect(parsePromDuration('1h30m', '--range').seconds).toBe(5400);
    expect(parsePromDuration('2w', '--range').seconds).toBe(14 * 86_400);
    expect(parsePromDuration('90s', '--range').seconds).toBe(90);
    expect(parsePromDuration('1500ms', '--range').seconds).toBe(1.5);
  });

  it('rejects what PromQL would not take as a positive duration, naming the flag', () => {
    for (const text of ['', '1', '1x', '1.5h', '-1h', '30m1h', '0s', '0h0m', 'h', ' 1h']) {
      expect(messageOf(() => parsePromDuration(text, '--baseline-offset'))).toBe(
        `invalid --baseline-offset '${text}': expected a duration such as 30m, 1h, 1d or 1h30m`,
      );
    }
  });
});

describe('credentialsFrom', () => {
  it('sends nothing without credentials', () => {
    expect(credentialsFrom({})).toBeUndefined();
    expect(credentialsFrom({ [BEARER_TOKEN_VARIABLE]: '' })).toBeUndefined();
  });

  it('sends a bearer token or basic auth, remembering only which variable it came from', () => {
    expect(credentialsFrom({ [BEARER_TOKEN_VARIABLE]: 's3cr3t' })).toEqual({ authorization: 'Bearer s3cr3t', variable: BEARER_TOKEN_VARIABLE });
    expect(credentialsFrom({ [BASIC_AUTH_VARIABLE]: 'reader:pa:ss' })).toEqual({
      authorization: `Basic ${Buffer.from('reader:pa:ss').toString('base64')}`,
      variable: BASIC_AUTH_VARIABLE,
    });
  });

  it('refuses both at once, and basic auth without a colon, without showing the value', () => {
    expect(messageOf(() => credentialsFrom({ [BEARER_TOKEN_VARIABLE]: 's3cr3t', [BASIC_AUTH_VARIABLE]: 'a:b' }))).toBe(
      `set ${BEARER_TOKEN_VARIABLE} or ${BASIC_AUTH_VARIABLE}, not both`,
    );
    const message = messageOf(() => credentialsFrom({ [BASIC_AUTH_VARIABLE]: 'onlyatoken' }));
    expect(message).toBe(`${BASIC_AUTH_VARIABLE} must be user:password`);
    expect(message).not.toContain('onlyatoken');
  });
});
