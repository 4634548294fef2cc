package http

import nethttp "net/http"

// SetVerifyPage mounts the public verify page (ui.UI.VerifyPage) at
// /verify and everything under it: no login, no session. Call it before
// Start.
func (s *Server) SetVerifyPage(h nethttp.Handler) { s.verify = h }
