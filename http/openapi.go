package http

import (
	_ "embed"
	nethttp "net/http"
)

// openAPIDoc is the API's OpenAPI 3 document. TestOpenAPIMatchesRoutes
// keeps its paths in step with the routes.
//
//go:embed openapi.json
var openAPIDoc []byte

func (a *API) openAPI(w nethttp.ResponseWriter, _ *nethttp.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
	return nil
}
