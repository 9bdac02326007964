// Facts every part of the project shares. No imports, so the functions, the policy pack and the offline
// plan can all use them.

/** The Pulumi project name: the namespace of every config key of ours. */
export const PROJECT = "cross-account-rds";

/** MySQL's port: the RDS instance listens on it and every network rule of the access path names it. */
export const MYSQL_PORT = 3306;

/** HTTPS: the only port of the STS and Secrets Manager interface endpoints. */
export const HTTPS_PORT = 443;
