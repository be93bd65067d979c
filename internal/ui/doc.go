// Package ui is the review page that warden-server serves under /ui/: read-only, for people
// who review access rather than change it. It is server-rendered (html/template, one plain
// CSS file, no script) and fetches nothing at run time; every static file is embedded.
//
// A reviewer signs in by pasting an API token into a form; the server keeps the session
// (session.go) and the browser only a random id in an HttpOnly, SameSite=Strict cookie. Every
// view reads through a Source (source.go), which the API server implements with its own
// query functions run for the signed-in principal: the page shows exactly what that token may
// read through the API, by the same rules, and decides nothing itself.
package ui
