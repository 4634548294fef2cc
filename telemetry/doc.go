// Package telemetry reports the service's failures to Sentry and its traces
// to an OpenTelemetry collector over OTLP/HTTP. Both are optional: a
// Telemetry with neither configured does nothing, cheaply.
//
// What is sent, and what never is:
//
//   - Sentry receives panics recovered while serving a request, answers
//     with a 5xx status (with the error's chain when the handler had one),
//     and the failures the caller reports with CaptureError (anchors that
//     failed for good). An event names the request's method, URL path and
//     route; never its query string, headers, cookies or body, and no user.
//     Every string of an event is scrubbed of the values in
//     Config.Secrets before it leaves the process.
//   - The collector receives one server span per HTTP request (method,
//     route, path, status; no query, no headers), except the probes and
//     /metrics, which would drown the rest, and the spans the caller starts
//     with StartSpan (anchoring sends).
//
// The package owns its Sentry client and its tracer provider: it touches
// neither the sentry-go global hub nor the OpenTelemetry globals, so two
// instances (tests, several servers in one process) do not meet.
//
// Limits: events and spans are sent in the background and buffered in
// memory (Sentry's buffer keeps the newest 100 errors, the span batcher
// 2,048 spans); what is still buffered when Stop's context ends is lost.
// A collector or Sentry that is down costs a log line, never a request.
package telemetry
