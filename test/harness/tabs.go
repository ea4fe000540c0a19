package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// PopupURL is the extension's popup, opened as a page.
const PopupURL = "chrome-extension://" + ExtensionID + "/popup.html"

// IgnoreCertificateErrors makes the browser accept the server's
// self-signed certificate in pages, such as the sign-in and step-up
// pages. The agent pins that certificate instead (server_ca_file).
func (b *Browser) IgnoreCertificateErrors(ctx context.Context) error {
	if _, err := chromedp.CallBrowser(b.Tab, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
		return fmt.Errorf("turning off certificate checks in the test browser: %w", err)
	}
	return nil
}

// NewTab opens another tab in the browser. Cancel closes it.
func (b *Browser) NewTab() (context.Context, context.CancelFunc) {
	return chromedp.NewContext(b.Tab)
}

// WaitTab waits until a page whose URL starts with prefix is open, such as
// a tab the extension opened, and returns a context attached to it.
// Cancelling the context detaches without closing the tab.
func (b *Browser) WaitTab(ctx context.Context, prefix string, timeout time.Duration) (context.Context, context.CancelFunc, error) {
	var found *target.ID
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := waitFor(wait, "a tab at "+prefix, func() (bool, error) {
		targets, err := chromedp.Targets(b.Tab)
		if err != nil {
			return false, err
		}
		for _, t := range targets {
			if t.Type == "page" && strings.HasPrefix(t.URL, prefix) {
				id := t.TargetID
				found = &id
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, nil, err
	}
	tab, cancelTab := chromedp.NewContext(b.Tab, chromedp.WithTargetID(*found), chromedp.WithDetachOnCancel())
	return tab, cancelTab, nil
}

// ClickNoticeButton clicks the button labelled text in the Parapet notice
// of the page. The notice lives in a closed shadow root, which selectors
// cannot reach, so the button is found through the DevTools protocol with
// pierce set and clicked with real mouse events at its center.
func (b *Browser) ClickNoticeButton(ctx context.Context, text string) error {
	doc, err := chromedp.Call(b.Tab, dom.GetDocument, dom.GetDocumentParams{Depth: new(int64(-1)), Pierce: new(true)})
	if err != nil {
		return err
	}
	host := findNode(doc.Root, "PARAPET-NOTICE")
	if host == nil {
		return fmt.Errorf("the page shows no Parapet notice")
	}
	button := findButton(host, text)
	if button == nil {
		return fmt.Errorf("the Parapet notice has no %q button", text)
	}
	box, err := chromedp.Call(b.Tab, dom.GetBoxModel, dom.GetBoxModelParams{BackendNodeID: button.BackendNodeID})
	if err != nil {
		return fmt.Errorf("locating the %q button: %w", text, err)
	}
	quad := box.Model.Border
	x := (quad[0] + quad[2] + quad[4] + quad[6]) / 4
	y := (quad[1] + quad[3] + quad[5] + quad[7]) / 4
	if err := b.clickAt(x, y); err != nil {
		return fmt.Errorf("clicking the %q button: %w", text, err)
	}
	return nil
}

// MouseClick clicks the center of the element that the CSS selector
// finds with mouse events, without chromedp's node queries. Those never
// return in a page after DOM.getDocument, which WaitNotice uses.
func (b *Browser) MouseClick(selector string) error {
	expr := fmt.Sprintf(`(() => { const node = document.querySelector(%q); if (!node) return null; node.scrollIntoView({block: "center"}); const r = node.getBoundingClientRect(); return {X: r.x + r.width / 2, Y: r.y + r.height / 2}; })()`, selector)
	center, err := chromedp.Run(b.Tab, chromedp.Evaluate[*struct{ X, Y float64 }](expr))
	if err != nil {
		return fmt.Errorf("finding %s: %w", selector, err)
	}
	if center == nil {
		return fmt.Errorf("no element matches %s", selector)
	}
	if err := b.clickAt(center.X, center.Y); err != nil {
		return fmt.Errorf("clicking %s: %w", selector, err)
	}
	return nil
}

// clickAt presses and releases the left mouse button at x, y of the
// viewport, in CSS pixels.
func (b *Browser) clickAt(x, y float64) error {
	for _, kind := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		params := input.DispatchMouseEventParams{Type: kind, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}
		if _, err := chromedp.Call(b.Tab, input.DispatchMouseEvent, params); err != nil {
			return err
		}
	}
	return nil
}

func findButton(n *cdp.Node, text string) *cdp.Node {
	if n.NodeName == "BUTTON" {
		for _, c := range n.Children {
			if c.NodeName == "#text" && strings.TrimSpace(c.NodeValue) == text {
				return n
			}
		}
	}
	for _, c := range append(append([]*cdp.Node{}, n.Children...), n.ShadowRoots...) {
		if found := findButton(c, text); found != nil {
			return found
		}
	}
	return nil
}

// EditCommand presses a key with Ctrl held and runs the editing command
// with it, such as "copy", "paste" or "selectAll", as the browser does for
// the shortcut. The page gets trusted keyboard and clipboard events.
func (b *Browser) EditCommand(key, command string) error {
	code := "Key" + strings.ToUpper(key)
	keyCode := int64(strings.ToUpper(key)[0])
	const ctrl = 2
	down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeRawKeyDown, Modifiers: ctrl, Key: key, Code: code,
		WindowsVirtualKeyCode: keyCode, Commands: []string{command}}
	up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Modifiers: ctrl, Key: key, Code: code, WindowsVirtualKeyCode: keyCode}
	for _, params := range []input.DispatchKeyEventParams{down, up} {
		if _, err := chromedp.Call(b.Tab, input.DispatchKeyEvent, params); err != nil {
			return fmt.Errorf("pressing Ctrl+%s: %w", strings.ToUpper(key), err)
		}
	}
	return nil
}

// Value returns the value of the form field that the CSS selector finds.
// It reads the property with JavaScript, because chromedp's node queries
// never return in a page after DOM.getDocument, which WaitNotice uses.
func (b *Browser) Value(selector string) (string, error) {
	expr := fmt.Sprintf(`(() => { const field = document.querySelector(%q); return field ? field.value : null; })()`, selector)
	value, err := chromedp.Run(b.Tab, chromedp.Evaluate[*string](expr))
	if err != nil {
		return "", err
	}
	if value == nil {
		return "", fmt.Errorf("no element matches %s", selector)
	}
	return *value, nil
}

// TypeInto focuses the field that the CSS selector finds and types text.
func (b *Browser) TypeInto(selector, text string) error {
	return chromedp.Do(b.Tab, chromedp.Focus(chromedp.CSS(selector)), chromedp.SendKeys(chromedp.CSS(selector), text))
}

// WaitNoticeDecision waits until the page shows a Parapet notice with the
// given decision, such as "step_up", and returns it.
func (b *Browser) WaitNoticeDecision(ctx context.Context, decision string, timeout time.Duration) (Notice, error) {
	var notice Notice
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := waitFor(wait, "a Parapet notice with decision "+decision, func() (bool, error) {
		var err error
		notice, err = b.WaitNotice(wait, 500*time.Millisecond)
		if err != nil {
			return false, nil
		}
		return notice.Decision == decision, nil
	})
	if err != nil {
		return notice, fmt.Errorf("%w (last notice: decision %q, text %q)", err, notice.Decision, notice.Text)
	}
	return notice, nil
}

// SetValue sets the value of the form field that the CSS selector finds,
// without input events. chromedp v0.23.1's SetValue fails on the sample
// app's textarea with "could not set value on node".
func (b *Browser) SetValue(selector, value string) error {
	expr := fmt.Sprintf(`(() => { const field = document.querySelector(%q); if (!field) return false; field.value = %q; return true; })()`, selector, value)
	found, err := chromedp.Run(b.Tab, chromedp.Evaluate[bool](expr))
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no element matches %s", selector)
	}
	return nil
}

// SubmitTOTP enters code on the server's step-up page in tab, submits the
// form and returns the message of the resulting page.
func SubmitTOTP(tab context.Context, code string) (string, error) {
	field := chromedp.CSS(`input[name="code"]`)
	err := chromedp.Do(tab, chromedp.WaitVisible(field), chromedp.SendKeys(field, code))
	if err == nil {
		// The marker is gone once the form's response replaced the document.
		_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`window.parapetTestMarker = true`))
	}
	if err == nil {
		err = chromedp.Do(tab, chromedp.Click(chromedp.CSS(`form[action$="/totp"] button[type="submit"]`), chromedp.NodeVisible))
	}
	if err != nil {
		return "", fmt.Errorf("submitting the TOTP code on the step-up page: %w", err)
	}
	wait, cancel := context.WithTimeout(tab, 15*time.Second)
	defer cancel()
	err = waitFor(wait, "the step-up page's response", func() (bool, error) {
		return chromedp.Run(tab, chromedp.Evaluate[bool](`window.parapetTestMarker === undefined && document.readyState === "complete"`))
	})
	if err != nil {
		return "", err
	}
	return chromedp.Run(tab, chromedp.TextContent(chromedp.CSS("#message")))
}
