package store

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// DumpPostgres runs pg_dump --format=custom on the database at rawURL
// into the file out, leaving out the schemas named in exclude (the
// keyring's). Parameters pgx knows and libpq does not are taken out:
// search_path becomes --schema.
func DumpPostgres(ctx context.Context, rawURL, out string, exclude ...string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("the database URL is not a URL")
	}
	q := u.Query()
	args := []string{"--format=custom", "--no-owner", "--file=" + out}
	for _, s := range exclude {
		args = append(args, "--exclude-schema="+s)
	}
	if sp := q.Get("search_path"); sp != "" {
		for _, s := range strings.Split(sp, ",") {
			args = append(args, "--schema="+strings.TrimSpace(s))
		}
		q.Del("search_path")
	}
	u.RawQuery = q.Encode()
	args = append(args, "--dbname="+u.String())
	c := exec.CommandContext(ctx, "pg_dump", args...)
	msg, err := c.CombinedOutput()
	if err != nil {
		_ = os.Remove(out)
		// pg_dump's messages name the host and database, never the password.
		return fmt.Errorf("pg_dump failed: %v: %s", err, strings.TrimSpace(strings.ReplaceAll(string(msg), u.String(), "DATABASE_URL")))
	}
	return nil
}
