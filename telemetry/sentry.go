package telemetry

import (
	"fmt"
	nethttp "net/http"
	"strconv"

	"github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/trace"
)

// ReportPanic sends a panic recovered while serving r to Sentry, with the
// stack of the goroutine that panicked: call it from the deferred function
// that recovered.
func (t *Telemetry) ReportPanic(r *nethttp.Request, recovered any) {
	client := t.client()
	if client == nil {
		return
	}
	var event *sentry.Event
	if err, ok := recovered.(error); ok {
		event = client.EventFromException(err, sentry.LevelFatal)
	} else {
		event = client.EventFromMessage(fmt.Sprint(recovered), sentry.LevelFatal)
		event.Exception = []sentry.Exception{{Type: "panic", Value: fmt.Sprint(recovered)}}
	}
	last := &event.Exception[len(event.Exception)-1]
	last.Stacktrace = sentry.NewStacktrace()
	last.Mechanism = &sentry.Mechanism{Type: "http.recover"}
	last.Mechanism.SetUnhandled()
	t.capture(client, event, r, nethttp.StatusInternalServerError)
}

// ReportFailure sends a request that was answered with status (5xx) to
// Sentry, with err's chain when the handler said why.
func (t *Telemetry) ReportFailure(r *nethttp.Request, status int, err error) {
	client := t.client()
	if client == nil {
		return
	}
	var event *sentry.Event
	if err != nil {
		event = client.EventFromException(err, sentry.LevelError)
	} else {
		event = client.EventFromMessage(fmt.Sprintf("%s %s answered %d %s", r.Method, r.URL.Path, status, nethttp.StatusText(status)), sentry.LevelError)
	}
	t.capture(client, event, r, status)
}

// CaptureError sends a failure that happened outside a request (an anchor
// that failed for good) to Sentry, with tags to group and search it by.
func (t *Telemetry) CaptureError(err error, tags map[string]string) {
	client := t.client()
	if client == nil || err == nil {
		return
	}
	event := client.EventFromException(err, sentry.LevelError)
	event.Tags = tags
	client.CaptureEvent(event, nil, nil)
}

func (t *Telemetry) client() *sentry.Client {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.sentry
}

// capture fills in what the event may say about r: method, path, route,
// status and the trace it belongs to. Nothing else of the request.
func (t *Telemetry) capture(client *sentry.Client, event *sentry.Event, r *nethttp.Request, status int) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	event.Request = &sentry.Request{Method: r.Method, URL: scheme + "://" + r.Host + r.URL.Path}
	route := r.Pattern
	if route == "" {
		route = r.Method + " " + r.URL.Path
	}
	event.Transaction = route
	event.Tags = map[string]string{
		"http.method":      r.Method,
		"http.route":       route,
		"http.status_code": strconv.Itoa(status),
	}
	if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
		event.Tags["trace_id"] = sc.TraceID().String()
	}
	client.CaptureEvent(event, nil, nil)
}

// scrub is the last look at every event before it is sent: it drops what
// may identify a person or carry a credential (request headers, cookies,
// query, body, environment, user, breadcrumbs, thread stacks) and redacts the configured
// secrets from every string left.
func (t *Telemetry) scrub(event *sentry.Event, _ *sentry.EventHint) *sentry.Event {
	if event.Request != nil {
		event.Request = &sentry.Request{Method: event.Request.Method, URL: t.redact.Replace(stripQuery(event.Request.URL))}
	}
	event.User = sentry.User{}
	event.Breadcrumbs = nil
	event.Message = t.redact.Replace(event.Message)
	event.Transaction = t.redact.Replace(event.Transaction)
	for k, v := range event.Tags {
		event.Tags[k] = t.redact.Replace(v)
	}
	for i := range event.Exception {
		event.Exception[i].Value = t.redact.Replace(event.Exception[i].Value)
	}
	for i := range event.Threads {
		event.Threads[i].Stacktrace = nil
	}
	return event
}

// stripQuery cuts a URL's query and fragment.
func stripQuery(u string) string {
	for i := 0; i < len(u); i++ {
		if u[i] == '?' || u[i] == '#' {
			return u[:i]
		}
	}
	return u
}
