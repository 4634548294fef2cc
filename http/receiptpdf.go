package http

import (
	"bytes"
	"context"
	"fmt"
	nethttp "net/http"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// BlockTimer is a Chain that can say when a block was made, for the
// certificate's block time. Optional: without it the time is left out.
type BlockTimer interface {
	BlockTime(ctx context.Context, number uint64) (time.Time, error)
}

// writeCertificate answers GET .../blockchain/receipt?format=pdf: the
// receipt as a printable PDF certificate (package pdf).
func (a *API) writeCertificate(w nethttp.ResponseWriter, r *nethttp.Request, rc *ledger.Receipt) error {
	c := pdf.Certificate{Receipt: rc, VerifyURL: a.cfg.PublicURL + "/verify", ExplorerURL: a.cfg.ExplorerURL, Issued: time.Now()}
	if bt, ok := a.cfg.Chain.(BlockTimer); ok {
		if t, err := bt.BlockTime(r.Context(), rc.BlockNumber); err == nil {
			c.BlockTime = t
		} else {
			a.cfg.Log.Warn("block time for the certificate", "block", rc.BlockNumber, "err", err)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Write(&buf, c); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="certificate-%s-%s.pdf"`, rc.LoanID, rc.Kind))
	_, _ = w.Write(buf.Bytes())
	return nil
}
