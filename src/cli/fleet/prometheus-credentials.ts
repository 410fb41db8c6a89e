import { CliError } from '../cli-error.js';

/** Environment variables with the credentials of a managed Prometheus; their values are never printed or saved. */
export const BEARER_TOKEN_VARIABLE = 'SPANLENS_PROMETHEUS_BEARER_TOKEN';
export const BASIC_AUTH_VARIABLE = 'SPANLENS_PROMETHEUS_BASIC_AUTH';

/** The `Authorization` header to send, and the variable it came from (for messages, which never show the value). */
export interface PrometheusCredentials {
  authorization: string;
  variable: string;
}

/** Reads the credentials from `env`; an empty variable counts as unset. Messages name variables, never values. */
export function credentialsFrom(env: Record<string, string | undefined>): PrometheusCredentials | undefined {
  const token = env[BEARER_TOKEN_VARIABLE] || undefined;
  const basic = env[BASIC_AUTH_VARIABLE] || undefined;
  if (token !== undefined && basic !== undefined) throw new CliError(`set ${BEARER_TOKEN_VARIABLE} or ${BASIC_AUTH_VARIABLE}, not both`);
  if (token !== undefined) return { authorization: `Bearer ${token}`, variable: BEARER_TOKEN_VARIABLE };
  if (basic === undefined) return undefined;
  if (!basic.includes(':')) throw new CliError(`${BASIC_AUTH_VARIABLE} must be user:password`);
  return { authorization: `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`, variable: BASIC_AUTH_VARIABLE };
}
