package inspect

import (
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// extractOOXML decides from the members of a zip archive whether it is a
// Word, Excel or PowerPoint document and extracts its text. Matching by
// member name also covers the macro-enabled and template variants.
func extractOOXML(ctx context.Context, r io.ReaderAt, size int64, lim Limits, out *textBuffer) (Format, error) {
	z, err := openZip(r, size, lim)
	if err != nil {
		return formatZip, err
	}
	if z.files["[Content_Types].xml"] == nil {
		return formatZip, fmt.Errorf("%w: zip archive without [Content_Types].xml", ErrUnsupportedFormat)
	}
	var format Format
	var members []memberHandler
	switch {
	case z.files["word/document.xml"] != nil:
		format, members = FormatDOCX, docxMembers(z)
	case z.files["xl/workbook.xml"] != nil:
		format, members = FormatXLSX, xlsxMembers(z)
	case z.files["ppt/presentation.xml"] != nil:
		format, members = FormatPPTX, pptxMembers(z)
	default:
		return formatZip, fmt.Errorf("%w: zip archive is not a Word, Excel or PowerPoint document", ErrUnsupportedFormat)
	}
	for _, m := range members {
		if err := ctx.Err(); err != nil {
			return format, err
		}
		if err := z.walkMember(ctx, m.name, m.handler(out)); err != nil {
			return format, err
		}
		if err := out.writeByte('\n'); err != nil {
			return format, err
		}
	}
	return format, nil
}

// memberHandler pairs a zip member with the XML handler for its kind.
type memberHandler struct {
	name    string
	handler func(out *textBuffer) xmlHandler
}

func (z *zipArchive) walkMember(ctx context.Context, name string, h xmlHandler) error {
	rc, err := z.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return walkXML(ctx, rc, name, z.lim, h)
}

// membersIn lists the XML members directly inside dir whose base name
// starts with prefix, with numbered names in numeric order ("slide2.xml"
// before "slide10.xml").
func (z *zipArchive) membersIn(dir, prefix string) []string {
	var names []string
	for _, name := range z.names {
		d, base := path.Split(name)
		if d == dir && strings.HasPrefix(base, prefix) && strings.HasSuffix(base, ".xml") {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) < len(names[j])
		}
		return names[i] < names[j]
	})
	return names
}

func handlersFor(names []string, handler func(out *textBuffer) xmlHandler) []memberHandler {
	members := make([]memberHandler, len(names))
	for i, name := range names {
		members[i] = memberHandler{name: name, handler: handler}
	}
	return members
}

// docxMembers lists the body, then headers, footers, footnotes, endnotes
// and comments, all of which hold text that leaves with the file.
func docxMembers(z *zipArchive) []memberHandler {
	names := []string{"word/document.xml"}
	for _, prefix := range []string{"header", "footer", "footnotes", "endnotes", "comments"} {
		names = append(names, z.membersIn("word/", prefix)...)
	}
	return handlersFor(names, newWordHandler)
}

func xlsxMembers(z *zipArchive) []memberHandler {
	var members []memberHandler
	if z.files["xl/sharedStrings.xml"] != nil {
		members = handlersFor([]string{"xl/sharedStrings.xml"}, newSharedStringsHandler)
	}
	return append(members, handlersFor(z.membersIn("xl/worksheets/", ""), newSheetHandler)...)
}

// pptxMembers lists the slides, then the speaker notes.
func pptxMembers(z *zipArchive) []memberHandler {
	names := append(z.membersIn("ppt/slides/", "slide"), z.membersIn("ppt/notesSlides/", "notesSlide")...)
	return handlersFor(names, newSlideHandler)
}
