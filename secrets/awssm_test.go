package secrets_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/secrets"
)

// fakeSecretsManager is a wire-level fake of AWS Secrets Manager's
// GetSecretValue: POST / with X-Amz-Target: secretsmanager.GetSecretValue,
// Content-Type application/x-amz-json-1.1 and a SigV4 Authorization header,
// answering errors as the AWS JSON 1.1 protocol does (400 with
// {"__type": ..., "message": ...}).
type fakeSecretsManager struct {
	mu       sync.Mutex
	keyID    string
	secrets  map[string]string // name or ARN -> SecretString
	denied   map[string]bool
	throttle bool
	calls    int
}

func newFakeSecretsManager(t *testing.T) (*fakeSecretsManager, *httptest.Server) {
	f := &fakeSecretsManager{keyID: "AKIDAARTHATEST", secrets: map[string]string{}, denied: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func awsError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "req-1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.Method != http.MethodPost || r.URL.Path != "/" ||
		r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		awsError(w, "UnknownOperationException", "")
		return
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+f.keyID+"/") || !strings.Contains(auth, "/secretsmanager/aws4_request") {
		awsError(w, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SecretId == "" {
		awsError(w, "InvalidParameterException", "SecretId is required")
		return
	}
	switch {
	case f.throttle:
		awsError(w, "ThrottlingException", "Rate exceeded")
		return
	case f.denied[in.SecretId]:
		awsError(w, "AccessDeniedException", "User is not authorized to perform: secretsmanager:GetSecretValue")
		return
	}
	s, ok := f.secrets[in.SecretId]
	if !ok {
		awsError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in.SecretId + "-AbCdEf", "Name": in.SecretId,
		"SecretString": s, "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9,
	})
}

const awsSMTPPassword = "aws-smtp-pass-7b2d4c-not-for-logs"

func awsResolver(srv *httptest.Server, keyID string) *secrets.Resolver {
	return secrets.NewResolver(secrets.Config{AWS: secrets.AWSConfig{
		Region: "eu-west-1", Endpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider(keyID, "test-secret-access-key", ""),
		MaxAttempts: 3, MaxBackoff: 10 * time.Millisecond,
	}})
}

func TestAWSSecretsManager(t *testing.T) {
	t.Parallel()
	f, srv := newFakeSecretsManager(t)
	f.secrets["aartha/prod"] = `{"smtp_password":"` + awsSMTPPassword + `","port":587}`
	f.secrets["aartha/jwt"] = "plain-string-secret-for-the-whole-value"
	f.secrets["arn:aws:secretsmanager:us-east-2:123456789012:secret:aartha/db-XyZ"] = `{"password":"from-arn"}`
	f.denied["aartha/other-team"] = true
	res := awsResolver(srv, f.keyID)
	ctx := t.Context()

	v, err := res.Resolve(ctx, "awssm://aartha/prod#smtp_password")
	require.NoError(t, err)
	require.Equal(t, awsSMTPPassword, v)

	v, err = res.Resolve(ctx, "awssm://aartha/jwt")
	require.NoError(t, err)
	require.Equal(t, "plain-string-secret-for-the-whole-value", v)

	v, err = res.Resolve(ctx, "awssm://arn:aws:secretsmanager:us-east-2:123456789012:secret:aartha/db-XyZ#password")
	require.NoError(t, err)
	require.Equal(t, "from-arn", v)

	_, err = res.Resolve(ctx, "awssm://aartha/prod#missing")
	require.ErrorIs(t, err, secrets.ErrNoKey)
	require.NotContains(t, err.Error(), awsSMTPPassword)

	_, err = res.Resolve(ctx, "awssm://aartha/jwt#key")
	require.ErrorContains(t, err, "not a JSON object")
	require.NotContains(t, err.Error(), "plain-string-secret")

	_, err = res.Resolve(ctx, "awssm://aartha/nope#x")
	require.ErrorIs(t, err, secrets.ErrNotFound)
	require.ErrorContains(t, err, "awssm://aartha/nope#x")

	_, err = res.Resolve(ctx, "awssm://aartha/other-team#x")
	require.ErrorIs(t, err, secrets.ErrDenied)
}

func TestAWSBadCredentialsAreDenied(t *testing.T) {
	t.Parallel()
	f, srv := newFakeSecretsManager(t)
	f.secrets["aartha/prod"] = `{"k":"v"}`
	_, err := awsResolver(srv, "AKIDSOMEONEELSE").Resolve(t.Context(), "awssm://aartha/prod#k")
	require.ErrorIs(t, err, secrets.ErrDenied)
	require.ErrorContains(t, err, "UnrecognizedClientException")
}

func TestAWSThrottlingIsRetriedThenFails(t *testing.T) {
	t.Parallel()
	f, srv := newFakeSecretsManager(t)
	f.secrets["aartha/prod"] = `{"k":"v"}`
	f.throttle = true
	_, err := awsResolver(srv, f.keyID).Resolve(t.Context(), "awssm://aartha/prod#k")
	require.ErrorIs(t, err, secrets.ErrThrottled)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Equal(t, 3, f.calls, "the SDK's standard retryer tries three times")
}
