/**
 * `/etc/lucid/ca.pem` → `ca.pem`: which file, without where the manager keeps its keys.
 * Only a path that starts a word is one: the `/` inside a base64 fingerprint (`SHA256:ab/cd/ef`) is not.
 */
export function withoutDirectories(reason: string): string {
  return reason.replace(/(^|[\s'"(])(?:\/[^\s/'"(),:]+)+\/([^\s/'"(),:]+)/g, '$1$2');
}
