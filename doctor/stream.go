package doctor

import (
	"context"
	"fmt"
)

// StreamNode is what the doctor asks a MultiChain node when anchoring goes
// to a stream; *multichain.Adapter satisfies it.
type StreamNode interface {
	Chain() string  // "multichain:<chain-name>"
	Stream() string // the stream anchors go to
	Head(ctx context.Context) (uint64, error)
	// Check reports what keeps anchoring from working: the node serving
	// another chain, the stream missing or open, the node not subscribed,
	// the publishing address lacking send or <stream>.write.
	Check(ctx context.Context) error
}

// walletChecker is the optional part of a StreamNode that checks the
// node's wallet on its own line: a node whose wallet calls hang while its
// chain reads answer looks healthy otherwise. *multichain.Adapter has it.
type walletChecker interface {
	CheckWallet(ctx context.Context) error
}

// checkStream checks the MultiChain node, its wallet and the stream; it
// reports whether the node answered.
func checkStream(ctx context.Context, r *Report, n StreamNode) bool {
	head, err := n.Head(ctx)
	if err != nil {
		r.add("multichain node", Fail, err.Error(),
			"start the node, or fix MULTICHAIN_RPC_URL and the credentials (in the URL or MULTICHAIN_CONF's rpcuser/rpcpassword)")
		return false
	}
	r.add("multichain node", Pass, fmt.Sprintf("%s answers, best block %d", n.Chain(), head), "")
	if w, ok := n.(walletChecker); ok {
		if err := w.CheckWallet(ctx); err != nil {
			r.add("multichain wallet", Fail, err.Error(),
				"the publishing address's key must be in the node's wallet (importprivkey there, or pick an address from getaddresses); a wallet that answers nothing while the chain does needs multichaind restarted")
			return true
		}
		r.add("multichain wallet", Pass, "the node's wallet answers and holds the publishing address's key", "")
	}
	if err := n.Check(ctx); err != nil {
		r.add("multichain stream", Fail, err.Error(),
			"run `aartha multichain init` (it creates the stream write-restricted, subscribes the node and grants the permissions; an admin must grant what the node's own address may not)")
		return true
	}
	r.add("multichain stream", Pass, fmt.Sprintf("stream %s exists write-restricted, the node is subscribed, and the publishing address holds send and %s.write", n.Stream(), n.Stream()), "")
	return true
}
