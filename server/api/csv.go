package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"parapet/server/store"
)

// csvColumns are the header of the CSV export, in the order of the JSON
// fields.
var csvColumns = []string{"id", "time", "user", "device_id", "app_id", "app_host", "activity",
	"file_name", "file_size", "file_mime", "page_url", "target_url", "source_ip", "decision",
	"policy_ids", "reason", "decided_by", "request_id"}

// nextCursorHeader carries the CSV export's next_cursor.
const nextCursorHeader = "Parapet-Next-Cursor"

func writeActivitiesCSV(w http.ResponseWriter, page store.ActivityPage) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="activities.csv"`)
	if page.NextCursor != "" {
		w.Header().Set(nextCursorHeader, page.NextCursor)
	}
	w.WriteHeader(http.StatusOK)
	out := csv.NewWriter(w)
	out.Write(csvColumns)
	for _, a := range page.Activities {
		size := ""
		if a.FileSize != nil {
			size = strconv.FormatInt(*a.FileSize, 10)
		}
		row := []string{a.ID, a.Time.Format("2006-01-02T15:04:05.000000Z07:00"), a.User, a.DeviceID, a.AppID,
			a.AppHost, a.Activity, a.FileName, "", a.FileMIME, a.PageURL, a.TargetURL, a.SourceIP,
			a.Decision, strings.Join(a.PolicyIDs, " "), a.Reason, a.DecidedBy, a.RequestID}
		for i := range row {
			row[i] = escapeFormula(row[i])
		}
		// The size is a number that the server formats, so it cannot be
		// a formula, and -1 (size unknown) stays numeric.
		row[8] = size
		out.Write(row)
	}
	out.Flush()
}

// escapeFormula prefixes a cell that a spreadsheet would run as a formula
// with a single quote. Cells starting with =, +, -, @, tab or carriage
// return are formulas in Excel, LibreOffice and Google Sheets, and the
// activity log holds file names and URLs that users control.
func escapeFormula(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
