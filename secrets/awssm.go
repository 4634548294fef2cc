package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// AWSConfig says how to reach AWS Secrets Manager. Zero values use the
// SDK's standard chain: region and credentials from the environment,
// shared config files, SSO, web identity (EKS), ECS or EC2 instance roles.
type AWSConfig struct {
	// Region is used for secrets named by name; an ARN's own region wins.
	Region string
	// Endpoint replaces the service endpoint (a VPC endpoint, or a fake in
	// tests); AWS_ENDPOINT_URL does the same from the environment.
	Endpoint    string
	Credentials aws.CredentialsProvider
	// MaxAttempts and MaxBackoff bound the SDK's retries of throttling and
	// server errors; zero keeps its defaults (3 attempts, up to 20 s apart).
	MaxAttempts int
	MaxBackoff  time.Duration
}

type awsProvider struct {
	client *secretsmanager.Client
}

var _ provider = (*awsProvider)(nil)

func newAWS(ctx context.Context, cfg AWSConfig) (*awsProvider, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.Credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(cfg.Credentials))
	}
	if cfg.MaxAttempts > 0 || cfg.MaxBackoff > 0 {
		opts = append(opts, awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				if cfg.MaxAttempts > 0 {
					o.MaxAttempts = cfg.MaxAttempts
				}
				if cfg.MaxBackoff > 0 {
					o.MaxBackoff = cfg.MaxBackoff
					o.Backoff = retry.NewExponentialJitterBackoff(cfg.MaxBackoff)
				}
			})
		}))
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws configuration: %w", err)
	}
	client := secretsmanager.NewFromConfig(ac, func(o *secretsmanager.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
	return &awsProvider{client: client}, nil
}

func (a *awsProvider) fetch(ctx context.Context, r Ref) (string, error) {
	var perCall []func(*secretsmanager.Options)
	if region := arnRegion(r.SecretID); region != "" {
		perCall = append(perCall, func(o *secretsmanager.Options) { o.Region = region })
	}
	out, err := a.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(r.SecretID)}, perCall...)
	if err != nil {
		return "", &Error{Ref: r.String(), Kind: awsKind(err), Err: err}
	}
	if out.SecretString == nil {
		return "", &Error{Ref: r.String(), Err: errors.New("the secret is binary; only string secrets are supported")}
	}
	if r.Key == "" {
		return *out.SecretString, nil
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(*out.SecretString), &fields); err != nil {
		// The decoder's message may quote the value: leave it out.
		return "", &Error{Ref: r.String(), Err: errors.New("the secret is not a JSON object, so it has no keys")}
	}
	return stringField(r, fields)
}

// arnRegion returns the region of a Secrets Manager ARN, or "".
func arnRegion(id string) string {
	parts := strings.SplitN(id, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "secretsmanager" {
		return parts[3]
	}
	return ""
}

func awsKind(err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	switch ae.ErrorCode() {
	case "ResourceNotFoundException":
		return ErrNotFound
	case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"ExpiredTokenException", "IncompleteSignature", "MissingAuthenticationToken":
		return ErrDenied
	case "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
		return ErrThrottled
	}
	return nil
}
