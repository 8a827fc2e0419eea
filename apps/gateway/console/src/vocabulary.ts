// The names the console shares with the API: the admin scope and the states a key can be in.
export const ADMIN_SCOPE = 'keygate:admin'
export const KEY_STATES = ['active', 'disabled', 'revoked', 'expired'] as const
export const ENVIRONMENTS = ['live', 'test'] as const
