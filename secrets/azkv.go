package secrets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// AzureConfig says how to reach Azure Key Vault. Zero values use the
// SDK's default credential chain (environment, workload identity, managed
// identity, Azure CLI) and https://<vault>.vault.azure.net/.
type AzureConfig struct {
	Credential azcore.TokenCredential
	// VaultURL maps a reference's vault to its URL; nil uses
	// https://<vault>.vault.azure.net/, or https://<vault>/ when the
	// reference names a host (other clouds: myvault.vault.azure.cn).
	VaultURL func(vault string) string
	// Transport replaces the HTTP client (tests).
	Transport policy.Transporter
	// DisableChallengeResourceVerification lets the vault's
	// authentication challenge name a resource outside its domain (tests).
	DisableChallengeResourceVerification bool
	// Retry bounds the SDK's retries of 429 (honouring Retry-After) and
	// 5xx answers; zero keeps its defaults (3 retries).
	Retry policy.RetryOptions
}

type azureProvider struct {
	cfg AzureConfig

	mu      sync.Mutex
	clients map[string]*azsecrets.Client
}

var _ provider = (*azureProvider)(nil)

func newAzure(cfg AzureConfig) (*azureProvider, error) {
	if cfg.Credential == nil {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("azure credential: %w", err)
		}
		cfg.Credential = cred
	}
	if cfg.VaultURL == nil {
		cfg.VaultURL = func(vault string) string {
			if strings.Contains(vault, ".") {
				return "https://" + vault + "/"
			}
			return "https://" + vault + ".vault.azure.net/"
		}
	}
	return &azureProvider{cfg: cfg, clients: map[string]*azsecrets.Client{}}, nil
}

func (a *azureProvider) client(vault string) (*azsecrets.Client, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.clients[vault]; ok {
		return c, nil
	}
	opts := &azsecrets.ClientOptions{
		ClientOptions:                        azcore.ClientOptions{Retry: a.cfg.Retry, Transport: a.cfg.Transport},
		DisableChallengeResourceVerification: a.cfg.DisableChallengeResourceVerification,
	}
	c, err := azsecrets.NewClient(a.cfg.VaultURL(vault), a.cfg.Credential, opts)
	if err != nil {
		return nil, fmt.Errorf("key vault client: %w", err)
	}
	a.clients[vault] = c
	return c, nil
}

func (a *azureProvider) fetch(ctx context.Context, r Ref) (string, error) {
	c, err := a.client(r.Vault)
	if err != nil {
		return "", &Error{Ref: r.String(), Err: err}
	}
	resp, err := c.GetSecret(ctx, r.Name, r.Version, nil)
	if err != nil {
		return "", &Error{Ref: r.String(), Kind: azureKind(err), Err: azureShort(err)}
	}
	if resp.Value == nil {
		return "", &Error{Ref: r.String(), Err: errors.New("the secret has no value")}
	}
	return *resp.Value, nil
}

func azureKind(err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch re.StatusCode {
		case http.StatusNotFound:
			return ErrNotFound
		case http.StatusUnauthorized, http.StatusForbidden:
			return ErrDenied
		case http.StatusTooManyRequests:
			return ErrThrottled
		}
		return nil
	}
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) {
		return ErrDenied
	}
	return nil
}

// azureShort replaces azcore's multi-line response dump with the status and
// the service's error code.
func azureShort(err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("%d %s", re.StatusCode, re.ErrorCode)
	}
	return err
}
