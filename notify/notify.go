// Package notify sends operational alerts — anchoring failures,
// verification mismatches, reconciliation problems — to a webhook
// (BLOCKCHAIN_WEBHOOK_URL: a JSON POST, retried with backoff) and by mail
// (BLOCKCHAIN_ALERT_EMAIL, when an SMTP server is configured).
//
// Notify never blocks its caller: events go into a bounded queue that a
// background loop (Start/Stop) delivers; when the queue is full the event is
// dropped and logged, so a dead receiver can never slow anchoring down. Send
// delivers synchronously, for commands that exit right after. Delivery is at
// least once: a receiver that answered 2xx too slowly may see an event
// twice, and each event carries an id to deduplicate on.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
)

// Event kinds.
const (
	KindAnchorFailed         = "anchor.failed"
	KindFinalLost            = "anchor.lost_after_final"
	KindVerificationMismatch = "verification.mismatch"
	KindReconcileProblems    = "reconcile.problems"
	KindChainUnreachable     = "chain.unreachable"
	KindChainReachable       = "chain.reachable"
)

// Event is one alert. Details must marshal to JSON.
type Event struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Summary string    `json:"summary"`
	Details any       `json:"details,omitempty"`
}

// SMTP configures mail delivery. Addr empty disables mail.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string // empty: no authentication
	Password string
}

// Config configures a Notifier. Zero values take the documented defaults.
type Config struct {
	WebhookURL string // empty: no webhook
	Email      string // empty: no mail (also needs SMTP.Addr)
	SMTP       SMTP
	// Client sends webhook requests; default one with a 10s timeout.
	Client *http.Client
	// MaxAttempts per delivery; default 5.
	MaxAttempts int
	// RetryDelay before the second attempt, doubling after; default 1s.
	RetryDelay time.Duration
	// QueueSize bounds events waiting for the background loop; default 256.
	QueueSize int
	Now       func() time.Time
	Log       *slog.Logger
}

// Notifier delivers events. It is safe for concurrent use.
type Notifier struct {
	cfg   Config
	queue chan Event

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
}

// New returns a Notifier; it starts nothing (see Start).
func New(cfg Config) *Notifier {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Notifier{cfg: cfg, queue: make(chan Event, cfg.QueueSize)}
}

// Enabled reports whether any destination is configured.
func (n *Notifier) Enabled() bool {
	return n.cfg.WebhookURL != "" || (n.cfg.Email != "" && n.cfg.SMTP.Addr != "")
}

// Start starts the background delivery loop.
func (n *Notifier) Start(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cancel != nil || n.stopped {
		return errors.New("notifier: already started or stopped")
	}
	ctx, n.cancel = context.WithCancel(ctx)
	n.done = make(chan struct{})
	go n.loop(ctx)
	return nil
}

func (n *Notifier) loop(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-n.queue:
			if err := n.Send(ctx, e); err != nil {
				n.cfg.Log.Error("alert not delivered", "kind", e.Kind, "id", e.ID, "err", err)
			}
		}
	}
}

// Stop delivers what is queued until ctx ends, then stops the loop. Safe to
// call twice, and without Start.
func (n *Notifier) Stop(ctx context.Context) {
	n.mu.Lock()
	if n.stopped || n.cancel == nil {
		n.stopped = true
		n.mu.Unlock()
		return
	}
	n.stopped = true
	n.mu.Unlock()
	for len(n.queue) > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
	n.cancel()
	<-n.done
}

// Notify queues e for delivery and returns at once. It fills in e's ID and
// time if empty. A full queue drops the event (and logs it).
func (n *Notifier) Notify(e Event) {
	if !n.Enabled() {
		return
	}
	n.fill(&e)
	select {
	case n.queue <- e:
	default:
		n.cfg.Log.Error("alert queue full: event dropped", "kind", e.Kind, "summary", e.Summary)
	}
}

func (n *Notifier) fill(e *Event) {
	if e.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		e.ID = hex.EncodeToString(b[:])
	}
	if e.At.IsZero() {
		e.At = n.cfg.Now().UTC()
	}
}

// Send delivers e to every destination now, retrying each, and returns the
// destinations' errors joined (nil if all succeeded or none is set).
func (n *Notifier) Send(ctx context.Context, e Event) error {
	n.fill(&e)
	var errs []error
	if n.cfg.WebhookURL != "" {
		if err := n.retry(ctx, func() error { return n.postWebhook(ctx, e) }); err != nil {
			errs = append(errs, fmt.Errorf("webhook: %w", err))
		}
	}
	if n.cfg.Email != "" && n.cfg.SMTP.Addr != "" {
		if err := n.retry(ctx, func() error { return n.mail(e) }); err != nil {
			errs = append(errs, fmt.Errorf("mail to %s: %w", n.cfg.Email, err))
		}
	}
	return errors.Join(errs...)
}

func (n *Notifier) retry(ctx context.Context, f func() error) error {
	delay := n.cfg.RetryDelay
	var err error
	for attempt := 1; ; attempt++ {
		if err = f(); err == nil {
			return nil
		}
		if attempt >= n.cfg.MaxAttempts {
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func (n *Notifier) postWebhook(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("BLOCKCHAIN_WEBHOOK_URL is not a valid URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "aartha-ledger")
	resp, err := n.cfg.Client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // drop the URL, which may carry a token
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

func (n *Notifier) mail(e Event) error {
	s := n.cfg.SMTP
	from := s.From
	if from == "" {
		from = "aartha-ledger@localhost"
	}
	details, _ := json.MarshalIndent(e.Details, "", "  ")
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: [aartha] %s\r\nDate: %s\r\nMessage-ID: <%s@aartha>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		from, n.cfg.Email, oneLine(e.Summary), e.At.Format(time.RFC1123Z), e.ID)
	fmt.Fprintf(&msg, "%s\r\n\r\nkind: %s\r\nat: %s\r\nid: %s\r\n", e.Summary, e.Kind, e.At.Format(time.RFC3339), e.ID)
	if len(details) > 0 && string(details) != "null" {
		fmt.Fprintf(&msg, "\r\n%s\r\n", strings.ReplaceAll(string(details), "\n", "\r\n"))
	}
	var auth smtp.Auth
	if s.Username != "" {
		host := s.Addr
		if i := strings.LastIndex(host, ":"); i >= 0 {
			host = host[:i]
		}
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	return smtp.SendMail(s.Addr, auth, from, []string{n.cfg.Email}, []byte(msg.String()))
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// ReconcileProblems sends the alert of a reconciliation run that found
// problems, waiting at most a minute for delivery (the command exits right
// after). It does nothing when no channel is configured.
func (n *Notifier) ReconcileProblems(ctx context.Context, run *ledger.ReconcileRun) error {
	if !n.Enabled() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return n.Send(ctx, Event{
		Kind: KindReconcileProblems,
		Summary: fmt.Sprintf("reconcile run %d (%s) found %d problem(s): %d mismatch, %d missing on chain, %d unknown on chain",
			run.ID, run.Scope, run.Counts.Problems(), run.Counts.Mismatch, run.Counts.Missing, run.Counts.Unknown),
		Details: run,
	})
}

// Configured returns the notifier for the configured webhook and, when
// SMTP_ADDR is set, mail to BLOCKCHAIN_ALERT_EMAIL.
func Configured(cfg *config.Config) *Notifier {
	return New(Config{WebhookURL: cfg.WebhookURL, Email: cfg.AlertEmail, SMTP: SMTP{
		Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser, Password: cfg.SMTPPass,
	}})
}
