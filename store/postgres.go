package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// defaultConnectTimeout bounds each connection attempt when the URL does not
// set connect_timeout, so that an unreachable server fails fast.
const defaultConnectTimeout = 5 * time.Second

// OpenPostgres connects to the PostgreSQL database at url (a postgres:// URL
// or a key=value string, as libpq takes) and checks that it answers.
//
// Besides the libpq parameters, the URL may set pool_max_conns (the most
// connections this process opens; default 4 per CPU, at least 16). Other
// unknown parameters, such as search_path, are sent to the server as run-time
// settings.
//
// An unreachable server gives an EUNAVAILABLE error naming host, port,
// database and user, never the password; a malformed URL gives EINVALID.
// The schema is not checked: call CheckSchema or Migrate.
func OpenPostgres(ctx context.Context, url string, opts ...PostgresOption) (*DB, error) {
	var po postgresOptions
	for _, o := range opts {
		o(&po)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx redacts the password in its parse errors; redact again in
		// case a future version does not.
		return nil, ledger.Errorf(ledger.EINVALID, "PostgreSQL URL is invalid: %s", redact(err.Error(), urlPassword(url)))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	// Commits wait for the WAL flush; more connections share each flush
	// (group commit), so the pool is larger than the CPU count alone would say.
	maxConns := max(16, 4*runtime.GOMAXPROCS(0))
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		delete(cfg.RuntimeParams, "pool_max_conns")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, ledger.Errorf(ledger.EINVALID, "PostgreSQL URL parameter pool_max_conns=%q is invalid: give a whole number from 1 up", v)
		}
		maxConns = n
	}
	where := fmt.Sprintf("at %s (database %s, user %s)", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), cfg.Database, cfg.User)
	password := cfg.Password
	var connOpts []stdlib.OptionOpenDB
	if po.password != nil {
		password = po.password()
		connOpts = append(connOpts, stdlib.OptionBeforeConnect(func(_ context.Context, c *pgx.ConnConfig) error {
			c.Password = po.password()
			return nil
		}))
	}

	sdb := sql.OpenDB(stdlib.GetConnector(*cfg, connOpts...))
	sdb.SetMaxOpenConns(maxConns)
	sdb.SetMaxIdleConns(maxConns)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	db := newDB(postgresDialect, sdb, sdb, where)

	if err := sdb.PingContext(ctx); err != nil {
		_ = sdb.Close()
		// pgx's ConnectError repeats the user and database we already name.
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) && ce.Unwrap() != nil {
			err = ce.Unwrap()
		}
		msg := redact(err.Error(), password)
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "cannot connect to PostgreSQL %s: %s", where, msg)
	}
	return db, nil
}

// PostgresOption changes how OpenPostgres connects.
type PostgresOption func(*postgresOptions)

type postgresOptions struct {
	password func() string
}

// WithPassword makes every new connection use the password that current
// returns at that moment instead of the URL's, so a rotated password
// applies without a restart (open connections keep working). current must
// be safe for concurrent use.
func WithPassword(current func() string) PostgresOption {
	return func(o *postgresOptions) { o.password = current }
}

// redact removes secret from msg.
func redact(msg, secret string) string {
	if secret == "" {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "xxxxx")
}

var keywordPassword = regexp.MustCompile(`password\s*=\s*'?([^'\s]+)`)

// urlPassword finds the password in a URL or keyword/value connection string
// that pgx could not parse, so that it can be kept out of error messages.
func urlPassword(s string) string {
	if u, err := neturl.Parse(s); err == nil && u.User != nil {
		pw, _ := u.User.Password()
		return pw
	}
	if m := keywordPassword.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// isConnError reports whether err means the database cannot be reached, as
// opposed to a failed statement.
func isConnError(err error) bool {
	var (
		ce *pgconn.ConnectError
		ne net.Error
		pe *pgconn.PgError
	)
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P0x: the server is shutting down.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P0")
	}
	return false
}
