package apiserver

import (
	"errors"
	"fmt"
	"net/http"
)

// The kinds of object the API serves, and how the store's errors about them read.

// storeErr translates the store's typed errors into problems; kind and id name the object
// for a 404.
func storeErr(err error, kind, id string) error {
	var pe *problemError
	var ce *ConflictError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return err // as it is: it may carry headers (a 401's challenge)
	case errors.Is(err, ErrNotFound):
		return notFound(kind, id)
	case errors.As(err, &ce):
		if ce.Field == "email" {
			return newProblem(http.StatusConflict, codeNameTaken, ce.Field,
				fmt.Sprintf("Another %s already has this email, or one that differs only in case; email must be unique whatever its case.", kind))
		}
		if ce.Field != "" {
			return newProblem(http.StatusConflict, codeNameTaken, ce.Field,
				fmt.Sprintf("Another %s already has this %s; %s must be unique.", kind, ce.Field, ce.Field))
		}
		return newProblem(http.StatusConflict, codeConflict, "", fmt.Sprintf("The %s already exists.", kind))
	case errors.Is(err, ErrInvalidCursor):
		return invalid(codeInvalidField, "cursor", "The cursor is not one this server returned; start again without it.")
	}
	return err
}
