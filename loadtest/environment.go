package loadtest

import "errors"

// DefaultURL is the server a load test drives when neither --url nor
// API_BASE_URL names one.
const DefaultURL = "http://127.0.0.1:8080"

// FillFromEnv fills what the command line left out from the environment
// (lookup): the server (API_BASE_URL, else DefaultURL), the user
// (AARTHA_ADMIN_EMAIL) and, unless passwordGiven (read from standard
// input), its password (AARTHA_ADMIN_PASSWORD). A user is required.
func (c *Config) FillFromEnv(lookup func(string) (string, bool), passwordGiven bool) error {
	if len(c.URLs) == 0 {
		c.URLs = []string{DefaultURL}
		if v, ok := lookup("API_BASE_URL"); ok && v != "" {
			c.URLs = []string{v}
		}
	}
	if c.Email == "" {
		c.Email, _ = lookup("AARTHA_ADMIN_EMAIL")
	}
	if !passwordGiven {
		c.Password, _ = lookup("AARTHA_ADMIN_PASSWORD")
	}
	if c.Email == "" || c.Password == "" {
		return errors.New("loadtest needs a user: --email or AARTHA_ADMIN_EMAIL, and AARTHA_ADMIN_PASSWORD or --password-stdin")
	}
	return nil
}
