package ledger

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
)

// MaxReceiptBytes bounds a receipt that a link, an upload or a paste may
// carry: a real receipt is one or two kilobytes (a batch of a million
// records has a proof of 20 hashes).
const MaxReceiptBytes = 64 << 10

// ReceiptLinkParam is the query parameter of the public verify page that
// carries a receipt: GET /verify?r=<ReceiptToken>.
const ReceiptLinkParam = "r"

// ReceiptToken packs a receipt for a link or a QR code: its compact JSON,
// raw DEFLATE (RFC 1951), base64url without padding. The encoding carries
// the receipt's exact bytes, so the verify page checks what was printed.
func ReceiptToken(r *Receipt) (string, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encode receipt: %w", err)
	}
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return "", fmt.Errorf("compress receipt: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return "", fmt.Errorf("compress receipt: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("compress receipt: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// ReceiptFromToken unpacks a ReceiptToken into the receipt's JSON bytes
// (to be parsed with ParseReceipt). A token that is not base64url, not
// DEFLATE, or unpacks to more than MaxReceiptBytes is an EINVALID error.
func ReceiptFromToken(token string) ([]byte, error) {
	if len(token) > 2*MaxReceiptBytes {
		return nil, Errorf(EINVALID, "the receipt link is %d characters long, more than any receipt needs", len(token))
	}
	packed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, Errorf(EINVALID, "the receipt link is damaged: it is not base64url text (%v)", err)
	}
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(packed)), MaxReceiptBytes+1))
	if err != nil {
		return nil, Errorf(EINVALID, "the receipt link is damaged: it does not unpack (%v)", err)
	}
	if len(out) > MaxReceiptBytes {
		return nil, Errorf(EINVALID, "the receipt link unpacks to more than %d bytes, more than any receipt needs", MaxReceiptBytes)
	}
	return out, nil
}
