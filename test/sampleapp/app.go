// Package sampleapp is a small "file store" web app that the end-to-end
// tests and the demo protect with Parapet. It serves real files for
// download and accepts uploads, and it records every upload it receives so
// a test can check what reached the app. Its notes box is a plain textarea
// for copy and paste.
package sampleapp

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"sort"
	"sync"
	"time"
)

//go:embed files
var files embed.FS

// maxUpload is the largest upload the app accepts, in bytes.
const maxUpload = 64 << 20

// Upload describes a file the app received.
type Upload struct {
	Name       string    `json:"name"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	ReceivedAt time.Time `json:"received_at"`
}

// App is the sample file store.
type App struct {
	log     *slog.Logger
	mu      sync.Mutex
	uploads []Upload
}

// New returns the app; log may be nil.
func New(log *slog.Logger) *App {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{log: log.With("component", "sampleapp")}
}

// FileNames lists the files the store serves, sorted.
func FileNames() []string {
	entries, err := fs.ReadDir(files, "files")
	if err != nil {
		panic("reading embedded files: " + err.Error())
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// FileContent returns the bytes of a served file.
func FileContent(name string) ([]byte, error) {
	return files.ReadFile(path.Join("files", path.Base(name)))
}

// Handler returns the app's routes.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /files/{name}", a.download)
	mux.HandleFunc("POST /upload", a.upload)
	mux.HandleFunc("GET /api/uploads", a.listUploads)
	return mux
}

// Uploads returns what the app has received so far.
func (a *App) Uploads() []Upload {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Upload(nil), a.uploads...)
}

var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Files</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 44rem; color: #1d2430; }
h1 { font-size: 1.4rem; } li { margin: .4rem 0; } a { color: #1a56c4; }
.drop { border: 2px dashed #9aa5b8; padding: 1rem; margin-top: 1rem; border-radius: 6px; }
</style></head>
<body>
<h1>Acme Files</h1>
<p>Shared documents of the Acme finance team.</p>
<ul id="files">
{{range .}}<li><a id="download-{{.}}" href="/files/{{.}}">{{.}}</a></li>
{{end}}</ul>
<h2>Upload</h2>
<form id="upload-form" method="post" action="/upload" enctype="multipart/form-data">
<input type="file" id="upload" name="file">
</form>
<div class="drop" id="drop">Drop a file here to upload it</div>
<p id="upload-status"></p>
<h2>Notes</h2>
<textarea id="notes" rows="4" cols="60" aria-label="Notes"></textarea>
<script>
async function send(file) {
  const body = new FormData();
  body.append("file", file);
  const response = await fetch("/upload", { method: "POST", body });
  document.getElementById("upload-status").textContent =
    response.ok ? "Uploaded " + file.name : "Upload failed: " + response.status;
}
document.getElementById("upload").addEventListener("change", (event) => {
  if (event.target.files.length > 0) send(event.target.files[0]);
});
const drop = document.getElementById("drop");
drop.addEventListener("dragover", (event) => event.preventDefault());
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  if (event.dataTransfer.files.length > 0) send(event.dataTransfer.files[0]);
});
</script>
</body></html>
`))

func (a *App) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexPage.Execute(w, FileNames()); err != nil {
		a.log.Error("rendering index", "error", err)
	}
}

func (a *App) download(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("name"))
	data, err := FileContent(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	contentType := mime.TypeByExtension(path.Ext(name))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	a.log.Info("serving download", "file", name, "remote", r.RemoteAddr)
	if _, err := w.Write(data); err != nil {
		a.log.Warn("writing download", "file", name, "error", err)
	}
}

func (a *App) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	file, header, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "reading upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	defer file.Close()
	digest := sha256.New()
	size, err := io.Copy(digest, file)
	if err != nil {
		http.Error(w, "reading upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	up := Upload{Name: path.Base(header.Filename), Size: size,
		SHA256: hex.EncodeToString(digest.Sum(nil)), ReceivedAt: time.Now().UTC()}
	a.mu.Lock()
	a.uploads = append(a.uploads, up)
	a.mu.Unlock()
	a.log.Info("received upload", "file", up.Name, "size", up.Size)
	w.WriteHeader(http.StatusCreated)
}

func (a *App) listUploads(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(map[string]any{"uploads": a.Uploads()}); err != nil {
		a.log.Warn("writing uploads", "error", err)
	}
}
