package receiptfolder

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// BatchCaller sends several JSON-RPC calls in one request (*rpc.Client).
type BatchCaller interface {
	BatchCallContext(ctx context.Context, batch []rpc.BatchElem) error
}

// callBatcher sends the eth_calls that receipts make one by one (a
// verifyLeaf each) as JSON-RPC batches: a call waits while a batch is on
// the wire, and the calls that gathered meanwhile go out together. No timer
// holds a call back: a lone call goes out at once.
type callBatcher struct {
	caller BatchCaller
	max    int
	queue  chan *pendingCall
}

type pendingCall struct {
	msg  ethereum.CallMsg
	out  hexutil.Bytes
	err  error
	done chan struct{}
}

// startCallBatcher runs senders batches at a time, each of at most max
// calls, until ctx ends.
func startCallBatcher(ctx context.Context, caller BatchCaller, senders, max int) *callBatcher {
	b := &callBatcher{caller: caller, max: max, queue: make(chan *pendingCall, max*senders)}
	for range senders {
		go b.send(ctx)
	}
	return b
}

// call makes one eth_call at the latest block through a batch.
func (b *callBatcher) call(ctx context.Context, msg ethereum.CallMsg) ([]byte, error) {
	p := &pendingCall{msg: msg, done: make(chan struct{})}
	select {
	case b.queue <- p:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-p.done:
		return p.out, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *callBatcher) send(ctx context.Context) {
	calls := make([]*pendingCall, 0, b.max)
	elems := make([]rpc.BatchElem, 0, b.max)
	for {
		calls = calls[:0]
		select {
		case p := <-b.queue:
			calls = append(calls, p)
		case <-ctx.Done():
			return
		}
	gather:
		for len(calls) < b.max {
			select {
			case p := <-b.queue:
				calls = append(calls, p)
			default:
				break gather
			}
		}
		elems = elems[:0]
		for _, p := range calls {
			elems = append(elems, rpc.BatchElem{Method: "eth_call", Args: []any{callArg(p.msg), "latest"}, Result: &p.out})
		}
		err := b.caller.BatchCallContext(ctx, elems)
		for i, p := range calls {
			p.err = err
			if err == nil {
				p.err = elems[i].Error
			}
			if p.err != nil { // worded as evm.Client words a single call's
				p.err = fmt.Errorf("call contract: %w", p.err)
			}
			close(p.done)
		}
	}
}

// callArg is a call message as eth_call takes it.
func callArg(msg ethereum.CallMsg) map[string]any {
	arg := map[string]any{"from": msg.From, "to": msg.To, "input": hexutil.Bytes(msg.Data)}
	if msg.Gas != 0 {
		arg["gas"] = hexutil.Uint64(msg.Gas)
	}
	if msg.Value != nil {
		arg["value"] = (*hexutil.Big)(msg.Value)
	}
	if msg.GasPrice != nil {
		arg["gasPrice"] = (*hexutil.Big)(msg.GasPrice)
	}
	return arg
}
