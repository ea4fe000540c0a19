package label

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

const benchSize = 10 << 20

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// benchDocx returns a labeled package of about 10 MB, most of it one
// incompressible media member.
func benchDocx(b *testing.B) []byte {
	media := string(randomBytes(benchSize))
	return buildZip(b,
		member{contentTypesName, contentTypesXML},
		member{packageRelsName, relsXML(labelInfoRel(defaultLabelInfoName))},
		member{"word/document.xml", documentXML},
		member{"word/media/image1.bin", media},
		member{defaultLabelInfoName, labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"))},
	)
}

// benchPDF returns a labeled PDF of about 10 MB, most of it one stream.
func benchPDF() []byte {
	return newPDFBuilder().obj(1, catalogObj).obj(2, pagesObj).obj(3, pageObj).
		stream(5, "/Subtype /Image", randomBytes(benchSize)).
		obj(4, infoObj(labelA, tenantA, "true", "C")).table("/Size 6 /Root 1 0 R /Info 4 0 R").bytes()
}

func BenchmarkReadDocx(b *testing.B) {
	data := benchDocx(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadOOXML(bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteDocx(b *testing.B) {
	data := benchDocx(b)
	l := newLabel(labelA2, tenantA)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := WriteOOXML(io.Discard, bytes.NewReader(data), int64(len(data)), l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadPDF(b *testing.B) {
	data := benchPDF()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadPDF(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWritePDF(b *testing.B) {
	data := benchPDF()
	l := newLabel(labelA2, tenantA)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := WritePDF(io.Discard, data, l); err != nil {
			b.Fatal(err)
		}
	}
}
