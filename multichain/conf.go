package multichain

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	ledger "github.com/aartha/ledger"
)

// Conf is what the client needs from a chain's multichain.conf (in
// <datadir>/<chain-name>/multichain.conf, written by multichain-util create).
type Conf struct {
	User     string
	Password string
	Port     int // rpcport; 0 when the file does not set it (the chain's default-rpc-port applies)
}

// String shows the user and port, never the password.
func (c Conf) String() string {
	return fmt.Sprintf("rpcuser=%s rpcpassword=****** rpcport=%d", c.User, c.Port)
}

// GoString is String, so %#v does not print the password either.
func (c Conf) GoString() string { return c.String() }

// ReadConf reads a multichain.conf. It is an EINVALID error, naming the
// file and the missing key, if rpcuser or rpcpassword is absent.
func ReadConf(path string) (Conf, error) {
	f, err := os.Open(path)
	if err != nil {
		return Conf{}, ledger.Errorf(ledger.EINVALID, "read multichain.conf: %v", err)
	}
	defer f.Close()
	c, err := ParseConf(f)
	if err != nil {
		return Conf{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConf reads the key=value lines of a multichain.conf; # starts a
// comment. Keys other than rpcuser, rpcpassword and rpcport are ignored.
func ParseConf(r io.Reader) (Conf, error) {
	var c Conf
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "rpcuser":
			c.User = value
		case "rpcpassword":
			c.Password = value
		case "rpcport":
			port, err := strconv.Atoi(value)
			if err != nil || port < 1 || port > 65535 {
				return Conf{}, ledger.Errorf(ledger.EINVALID, "multichain.conf line %d: rpcport %q is not a port number", line, truncate(value, 20))
			}
			c.Port = port
		}
	}
	if err := sc.Err(); err != nil {
		return Conf{}, ledger.Errorf(ledger.EINVALID, "read multichain.conf: %v", err)
	}
	switch {
	case c.User == "":
		return Conf{}, ledger.Errorf(ledger.EINVALID, "multichain.conf has no rpcuser")
	case c.Password == "":
		return Conf{}, ledger.Errorf(ledger.EINVALID, "multichain.conf has no rpcpassword")
	}
	return c, nil
}
