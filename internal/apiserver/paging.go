package apiserver

import (
	"context"

	"github.com/wardenhq/terraform-provider-warden/internal/api"
)

// Paging: every list takes limit and cursor and answers with items and next_cursor.

type listOutput[T any] struct {
	Body api.List[T]
}

func listOf[T any](items []T, next string) *listOutput[T] {
	if items == nil {
		items = []T{}
	}
	return &listOutput[T]{Body: api.List[T]{Items: items, NextCursor: next}}
}

// PageParams are the pagination query parameters of every list. (Exported only because
// huma reads parameters from exported embedded structs.)
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Page size."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
}

func (p PageParams) page() Page {
	if p.Limit <= 0 {
		p.Limit = 100
	}
	return Page(p)
}

// listPage answers a list with one page that fetch reads in a read transaction, given only once
// the caller's right to it has been taken again after the read (view); kind names the objects
// in errors (a cursor this server did not issue).
func listPage[T any](ctx context.Context, s *Server, kind objectKind, fetch func(tx Tx) (items []T, next string, err error)) (*listOutput[T], error) {
	var next string
	items, err := view(ctx, s, func(tx Tx) ([]T, error) {
		var items []T
		var err error
		items, next, err = fetch(tx)
		return items, err
	})
	if err != nil {
		return nil, storeErr(err, kind, "")
	}
	return listOf(items, next), nil
}
