// Package telemetrytest runs stand-ins for Sentry and an OpenTelemetry
// collector on loopback, for tests that check what the service sends:
// each keeps every request body it received.
package telemetrytest

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Sentry receives Sentry envelopes for one project at
// /api/<project>/envelope/.
type Sentry struct {
	// DSN points the SDK at this receiver.
	DSN    string
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
	auth   []string
}

// NewSentry starts a receiver for project whose DSN carries key; it stops
// when the test ends.
func NewSentry(t testing.TB, key, project string) *Sentry {
	t.Helper()
	s := &Sentry{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/"+project+"/envelope/" {
			t.Errorf("sentry receiver: unexpected %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		body, err := readBody(r)
		if err != nil {
			t.Errorf("sentry receiver: %v", err)
			return
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, string(body))
		s.auth = append(s.auth, r.Header.Get("X-Sentry-Auth"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"0"}`)
	}))
	t.Cleanup(s.srv.Close)
	s.DSN = strings.Replace(s.srv.URL, "://", "://"+key+"@", 1) + "/" + project
	return s
}

// Envelopes returns the raw envelopes received so far.
func (s *Sentry) Envelopes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// AuthHeaders returns the X-Sentry-Auth header of each envelope.
func (s *Sentry) AuthHeaders() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

// Events returns the payload of every item of type "event" received so
// far, decoded.
func (s *Sentry) Events(t testing.TB) []map[string]any {
	t.Helper()
	var events []map[string]any
	for _, env := range s.Envelopes() {
		lines := strings.Split(strings.TrimRight(env, "\n"), "\n")
		// Line 0 is the envelope header; then item header, payload pairs.
		for i := 1; i+1 < len(lines); i += 2 {
			var head struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal([]byte(lines[i]), &head); err != nil {
				t.Fatalf("sentry envelope item header %q: %v", lines[i], err)
			}
			if head.Type != "event" {
				continue
			}
			var event map[string]any
			if err := json.Unmarshal([]byte(lines[i+1]), &event); err != nil {
				t.Fatalf("sentry event: %v", err)
			}
			events = append(events, event)
		}
	}
	return events
}

// Collector receives OTLP/HTTP protobuf trace exports at /v1/traces.
type Collector struct {
	// Endpoint is the base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.
	Endpoint string
	srv      *httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	spans    []*tracepb.Span
	resource []string
}

// NewCollector starts a collector; it stops when the test ends.
func NewCollector(t testing.TB) *Collector {
	t.Helper()
	c := &Collector{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("otlp receiver: unexpected %s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.NotFound(w, r)
			return
		}
		body, err := readBody(r)
		if err != nil {
			t.Errorf("otlp receiver: %v", err)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("otlp receiver: decode ExportTraceServiceRequest: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.bodies = append(c.bodies, body)
		for _, rs := range req.GetResourceSpans() {
			for _, kv := range rs.GetResource().GetAttributes() {
				c.resource = append(c.resource, kv.GetKey()+"="+kv.GetValue().GetStringValue())
			}
			for _, ss := range rs.GetScopeSpans() {
				c.spans = append(c.spans, ss.GetSpans()...)
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(c.srv.Close)
	c.Endpoint = c.srv.URL
	return c
}

// Spans returns every span received so far.
func (c *Collector) Spans() []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...)
}

// Span returns the first span named name, or nil.
func (c *Collector) Span(name string) *tracepb.Span {
	for _, s := range c.Spans() {
		if s.GetName() == name {
			return s
		}
	}
	return nil
}

// Resource returns the resource attributes received, as key=value.
func (c *Collector) Resource() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.resource...)
}

// Raw returns every export's bytes joined, to search for what must not be
// there.
func (c *Collector) Raw() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, body := range c.bodies {
		b.Write(body)
	}
	return b.String()
}

// Attr returns a span attribute's value as text ("" when absent).
func Attr(s *tracepb.Span, key string) string {
	for _, kv := range s.GetAttributes() {
		if kv.GetKey() != key {
			continue
		}
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			return v.StringValue
		case *commonpb.AnyValue_IntValue:
			return strconv.FormatInt(v.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			return strconv.FormatBool(v.BoolValue)
		}
	}
	return ""
}

func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	}
	return io.ReadAll(rd)
}
