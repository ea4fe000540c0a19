package harness

import (
	"fmt"
	"path/filepath"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// SetInputFiles puts files on the file input that the CSS selector finds,
// as a user's choice in the file dialog would: DOM.setFileInputFiles sets
// them and Chromium fires input and change in the page.
func (b *Browser) SetInputFiles(selector string, paths ...string) error {
	abs, err := absPaths(paths)
	if err != nil {
		return err
	}
	if err := chromedp.Do(b.Tab, chromedp.SetUploadFiles(chromedp.CSS(selector), abs)); err != nil {
		return fmt.Errorf("setting files on %s: %w", selector, err)
	}
	return nil
}

// DropFiles drags files from outside the browser onto the center of the
// element that the CSS selector finds and drops them there, with
// Input.dispatchDragEvent: dragEnter, dragOver, then drop.
func (b *Browser) DropFiles(selector string, paths ...string) error {
	abs, err := absPaths(paths)
	if err != nil {
		return err
	}
	if err := chromedp.Do(b.Tab, chromedp.ScrollIntoView(chromedp.CSS(selector))); err != nil {
		return fmt.Errorf("finding %s: %w", selector, err)
	}
	expr := fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return {X: r.x + r.width / 2, Y: r.y + r.height / 2}; })()`, selector)
	center, err := chromedp.Run(b.Tab, chromedp.Evaluate[struct{ X, Y float64 }](expr))
	if err != nil {
		return fmt.Errorf("finding the center of %s: %w", selector, err)
	}
	// Copy, link and move: the page's dragover handler picks the effect.
	data := &input.DragData{Items: []*input.DragDataItem{}, Files: abs, DragOperationsMask: 1 | 2 | 16}
	kinds := []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop}
	for _, kind := range kinds {
		params := input.DispatchDragEventParams{Type: kind, X: center.X, Y: center.Y, Data: data}
		if _, err := chromedp.Call(b.Tab, input.DispatchDragEvent, params); err != nil {
			return fmt.Errorf("dispatching %s on %s: %w", kind, selector, err)
		}
	}
	return nil
}

// Text returns the text content of the element that the CSS selector
// finds now, or an error when there is none. Unlike chromedp.TextContent
// it does not wait, so it also reads an element that is empty and has no
// layout box.
func (b *Browser) Text(selector string) (string, error) {
	expr := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e === null ? null : e.textContent; })()`, selector)
	text, err := chromedp.Run(b.Tab, chromedp.Evaluate[*string](expr))
	if err != nil {
		return "", fmt.Errorf("reading the text of %s: %w", selector, err)
	}
	if text == nil {
		return "", fmt.Errorf("no element matches %s", selector)
	}
	return *text, nil
}

func absPaths(paths []string) ([]string, error) {
	abs := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		abs[i] = a
	}
	return abs, nil
}
