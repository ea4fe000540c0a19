package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// Notice is the message the extension showed in the page.
type Notice struct {
	Decision string
	EventID  string
	// Text is all text inside the notice's shadow root.
	Text string
}

// Navigate opens url in the tab and waits for the load.
func (b *Browser) Navigate(url string) error {
	return chromedp.Do(b.Tab, chromedp.Navigate(url))
}

// Click clicks the element that the CSS selector finds.
func (b *Browser) Click(selector string) error {
	return chromedp.Do(b.Tab, chromedp.Click(chromedp.CSS(selector), chromedp.NodeVisible))
}

// Screenshot saves a PNG of the visible page.
func (b *Browser) Screenshot(path string) error {
	png, err := chromedp.Run(b.Tab, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("taking screenshot: %w", err)
	}
	return os.WriteFile(path, png, 0o644)
}

// WaitNotice waits until the page shows a Parapet notice and returns it.
// The notice lives in a closed shadow root, which page scripts cannot read,
// so this walks the DOM through the DevTools protocol with pierce set.
func (b *Browser) WaitNotice(ctx context.Context, timeout time.Duration) (Notice, error) {
	var notice Notice
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := waitFor(wait, "the Parapet notice in the page", func() (bool, error) {
		doc, err := chromedp.Call(b.Tab, dom.GetDocument, dom.GetDocumentParams{Depth: new(int64(-1)), Pierce: new(true)})
		if err != nil {
			return false, err
		}
		host := findNode(doc.Root, "PARAPET-NOTICE")
		if host == nil {
			return false, nil
		}
		var text bytes.Buffer
		for _, root := range host.ShadowRoots {
			collectText(root, &text)
		}
		notice = Notice{
			Decision: attribute(host, "data-parapet-decision"),
			EventID:  attribute(host, "data-parapet-event-id"),
			Text:     strings.Join(strings.Fields(text.String()), " "),
		}
		return notice.Text != "", nil
	})
	return notice, err
}

// HasNotice reports whether the page shows a Parapet notice now.
func (b *Browser) HasNotice() (bool, error) {
	doc, err := chromedp.Call(b.Tab, dom.GetDocument, dom.GetDocumentParams{Depth: new(int64(-1)), Pierce: new(true)})
	if err != nil {
		return false, err
	}
	return findNode(doc.Root, "PARAPET-NOTICE") != nil, nil
}

func findNode(n *cdp.Node, name string) *cdp.Node {
	if n == nil {
		return nil
	}
	if n.NodeName == name {
		return n
	}
	for _, c := range n.Children {
		if found := findNode(c, name); found != nil {
			return found
		}
	}
	for _, c := range n.ShadowRoots {
		if found := findNode(c, name); found != nil {
			return found
		}
	}
	return nil
}

func collectText(n *cdp.Node, out *bytes.Buffer) {
	switch n.NodeName {
	case "STYLE", "SCRIPT":
		return
	case "#text":
		out.WriteString(n.NodeValue)
		out.WriteByte(' ')
	}
	for _, c := range n.Children {
		collectText(c, out)
	}
}

func attribute(n *cdp.Node, name string) string {
	for i := 0; i+1 < len(n.Attributes); i += 2 {
		if n.Attributes[i] == name {
			return n.Attributes[i+1]
		}
	}
	return ""
}

// WaitDownload waits until name is complete in the download folder and
// returns its content.
func (b *Browser) WaitDownload(ctx context.Context, name string, timeout time.Duration) ([]byte, error) {
	var data []byte
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	path := filepath.Join(b.DownloadDir, name)
	err := waitFor(wait, "download of "+name, func() (bool, error) {
		entries, err := os.ReadDir(b.DownloadDir)
		if err != nil {
			return false, err
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".crdownload") {
				return false, nil
			}
		}
		data, err = os.ReadFile(path)
		return err == nil, err
	})
	return data, err
}

// DownloadedFiles lists the names in the download folder.
func (b *Browser) DownloadedFiles() ([]string, error) {
	entries, err := os.ReadDir(b.DownloadDir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}
