package inspect

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
)

// zipArchive reads members of an untrusted zip archive within Limits. The
// uncompressed bytes are counted as they are read, so a member whose
// header understates its size is stopped as well.
type zipArchive struct {
	files map[string]*zip.File // by exact, case-sensitive name
	names []string             // in central-directory order
	lim   Limits
	total int64 // uncompressed bytes read so far from all members
}

func openZip(r io.ReaderAt, size int64, lim Limits) (*zipArchive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("reading zip directory: %w", err)
	}
	if len(zr.File) > lim.MaxZipEntries {
		return nil, limitError("MaxZipEntries", int64(lim.MaxZipEntries), "zip archive with %d entries", len(zr.File))
	}
	z := &zipArchive{files: make(map[string]*zip.File, len(zr.File)), lim: lim}
	for _, f := range zr.File {
		if _, dup := z.files[f.Name]; !dup {
			z.names = append(z.names, f.Name)
		}
		z.files[f.Name] = f
	}
	return z, nil
}

// open checks the member's declared sizes and returns a reader that
// enforces the limits on the bytes actually read.
func (z *zipArchive) open(name string) (io.ReadCloser, error) {
	f := z.files[name]
	if f == nil {
		return nil, fmt.Errorf("zip member %q not found", name)
	}
	if f.UncompressedSize64 > uint64(z.lim.MaxMemberBytes) {
		return nil, limitError("MaxMemberBytes", z.lim.MaxMemberBytes, "zip member %q of %d uncompressed bytes", name, f.UncompressedSize64)
	}
	compressed := int64(min(f.CompressedSize64, 1<<62))
	if exceedsRatio(int64(f.UncompressedSize64), compressed, z.lim.MaxCompressionRatio) {
		return nil, limitError("MaxCompressionRatio", z.lim.MaxCompressionRatio, "zip member %q (%d bytes compressed to %d)", name, f.UncompressedSize64, f.CompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("opening zip member %q: %w", name, err)
	}
	g := &guardedReader{r: rc, subject: fmt.Sprintf("zip member %q", name), compressed: compressed, lim: z.lim, total: &z.total}
	return struct {
		io.Reader
		io.Closer
	}{g, rc}, nil
}

func exceedsRatio(uncompressed, compressed, maxRatio int64) bool {
	return uncompressed > ratioFloor && uncompressed/max(compressed, 1) > maxRatio
}

// guardedReader counts the decompressed bytes of one zip member or PDF
// stream and fails once they pass MaxMemberBytes, MaxTotalBytes or
// MaxCompressionRatio.
type guardedReader struct {
	r          io.Reader
	subject    string
	compressed int64
	lim        Limits
	n          int64
	total      *int64 // shared by all members of one file
}

func (g *guardedReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += int64(n)
	*g.total += int64(n)
	switch {
	case g.n > g.lim.MaxMemberBytes:
		return n, limitError("MaxMemberBytes", g.lim.MaxMemberBytes, "%s", g.subject)
	case *g.total > g.lim.MaxTotalBytes:
		return n, limitError("MaxTotalBytes", g.lim.MaxTotalBytes, "uncompressed content up to %s", g.subject)
	case exceedsRatio(g.n, g.compressed, g.lim.MaxCompressionRatio):
		return n, limitError("MaxCompressionRatio", g.lim.MaxCompressionRatio, "%s (more than %d bytes from %d compressed)", g.subject, g.n, g.compressed)
	}
	return n, err
}
