package http

// WriteError lets the external tests answer with a problem document the way
// every handler does.
var WriteError = writeError
