package sampleapp

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDownloadServesAttachment(t *testing.T) {
	srv := httptest.NewServer(New(nil).Handler())
	defer srv.Close()
	for _, name := range FileNames() {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/files/" + name)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			want, _ := FileContent(name)
			if !bytes.Equal(body, want) {
				t.Errorf("body differs from the embedded file")
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, name) {
				t.Errorf("Content-Disposition %q does not name %s", cd, name)
			}
		})
	}
}

func TestDownloadUnknownFile(t *testing.T) {
	srv := httptest.NewServer(New(nil).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/files/missing.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
}

func TestUploadIsRecorded(t *testing.T) {
	app := New(nil)
	srv := httptest.NewServer(app.Handler())
	defer srv.Close()
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	part, _ := form.CreateFormFile("file", "notes.txt")
	part.Write([]byte("hello"))
	form.Close()
	resp, err := http.Post(srv.URL+"/upload", form.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d, want 201", resp.StatusCode)
	}
	got := app.Uploads()
	if len(got) != 1 || got[0].Name != "notes.txt" || got[0].Size != 5 {
		t.Fatalf("uploads %+v, want one notes.txt of 5 bytes", got)
	}
	const helloSHA = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	if got[0].SHA256 != helloSHA {
		t.Errorf("sha256 %s, want %s", got[0].SHA256, helloSHA)
	}
}
