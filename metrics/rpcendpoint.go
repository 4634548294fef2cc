package metrics

import "github.com/prometheus/client_golang/prometheus"

// RPCEndpoints is the chain client whose endpoint in use is exported;
// *evm.Client satisfies it.
type RPCEndpoints interface {
	// EndpointNames lists the configured endpoints: "primary", and
	// "backup" when there is one.
	EndpointNames() []string
	// ActiveEndpoint names the endpoint that answered the latest call (and
	// its redacted host, unused here); "" when none did.
	ActiveEndpoint() (name, host string)
}

var descRPCActive = prometheus.NewDesc("aartha_rpc_endpoint_active",
	"1 for the chain RPC endpoint in use (the one that answered the latest call), 0 for the others; all 0 while none answers. "+
		"The label is the endpoint's role, primary (BLOCKCHAIN_RPC_URL) or backup (BLOCKCHAIN_RPC_URL_BACKUP), never its URL.",
	[]string{"endpoint"}, nil)

// WatchRPCEndpoints registers aartha_rpc_endpoint_active{endpoint}, read
// from c on every scrape: one series per endpoint name, 1 for the one in
// use and 0 for the others. Labels are role names, never URLs, which often
// carry provider API keys.
func (m *Metrics) WatchRPCEndpoints(c RPCEndpoints) {
	m.reg.MustRegister(rpcEndpointCollector{c})
}

type rpcEndpointCollector struct{ c RPCEndpoints }

func (rc rpcEndpointCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descRPCActive }

func (rc rpcEndpointCollector) Collect(ch chan<- prometheus.Metric) {
	active, _ := rc.c.ActiveEndpoint()
	for _, name := range rc.c.EndpointNames() {
		v := 0.0
		if name == active {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descRPCActive, prometheus.GaugeValue, v, name)
	}
}
