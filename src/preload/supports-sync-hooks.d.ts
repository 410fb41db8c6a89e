// import-in-the-middle ships this module without declarations; it is imported alone because, unlike
// register-hooks.mjs (which re-exports the same function), it loads none of the loader's dependencies.
declare module 'import-in-the-middle/supports-sync-hooks.mjs' {
  export function supportsSyncHooks(): boolean;
}
