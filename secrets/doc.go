// Package secrets fetches secret references — vault://<mount>/<path>#<key>
// (HashiCorp Vault KV v2), awssm://<secret-id>[#<json-key>] (AWS Secrets
// Manager) and azkv://<vault>/<secret>[/<version>] (Azure Key Vault) — and
// keeps them fresh while the service runs.
//
// A Resolver turns a reference into its value through each service's
// official Go client, built on first use: a service that no reference names
// is never contacted. A Refresher fetches the references again on an
// interval; a failed fetch keeps the last good value, is logged with the
// variable and the reference (never a value) and reported to Metrics, so an
// alert can fire while the service goes on with what it has.
//
// Limits: only secret strings are read (binary AWS secrets are refused);
// Vault is reached with a token or AppRole (the token from an AppRole login
// is obtained again on expiry or on a 403, not renewed); AWS and Azure use
// their SDKs' standard credential chains. The SDKs read their own
// environment variables (AWS_REGION, AWS_ENDPOINT_URL, AZURE_CLIENT_ID,
// VAULT_CACERT, ...) as they document.
package secrets
