package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The kinds of object the API serves, and how the store's errors about them read.

// objectKind is a kind of object by its wire name: the audit log's object_type and the prefix
// of its actions ("role_assignment.create"). Messages name it in words ("role assignment"),
// made from the wire name, so that a 404 and an audit event cannot spell one kind two ways.
type objectKind string

const (
	objectEnvironment      objectKind = "environment"
	objectUser             objectKind = "user"
	objectToken            objectKind = "token"
	objectGroup            objectKind = "group"
	objectGroupMember      objectKind = "group_member"
	objectRole             objectKind = "role"
	objectRoleAssignment   objectKind = "role_assignment"
	objectGrant            objectKind = "grant"
	objectSupportAccess    objectKind = "support_access"
	objectAlertRouting     objectKind = "alert_routing"
	objectAlertDestination objectKind = "alert_destination"
	objectAlertCredentials objectKind = "alert_credentials"
	objectAlert            objectKind = "alert"
	objectAlertDelivery    objectKind = "alert_delivery"
	objectAccessRequest    objectKind = "access_request"
	objectAuditEvent       objectKind = "audit_event"
	objectDecision         objectKind = "authorization_decision"
	// objectRequest is a refused request, which the audit log records as its object.
	objectRequest objectKind = "request"
)

// String is the kind in words, for messages.
func (k objectKind) String() string { return strings.ReplaceAll(string(k), "_", " ") }

// storeErr translates the store's typed errors into problems; kind and id name the object
// for a 404.
func storeErr(err error, kind objectKind, id string) error {
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
		if ce.Field == "id" {
			return newProblem(http.StatusConflict, codeConflict, ce.Field,
				fmt.Sprintf("Another %s already has the id %q; leave id out and the API chooses a free one.", kind, id))
		}
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
