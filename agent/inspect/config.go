package inspect

// Detector ids of the built-in detectors, as used in [Finding.Detector].
const (
	DetectorCard = "payment_card"
	DetectorSSN  = "us_ssn"
	DetectorIBAN = "iban"
)

// Config selects the detectors of an [Inspector] and bounds its work. Zero
// numeric fields take the defaults documented on each field.
type Config struct {
	Cards bool // payment card numbers, reported as DetectorCard
	SSNs  bool // US Social Security numbers, reported as DetectorSSN
	IBANs bool // international bank account numbers, reported as DetectorIBAN

	Patterns []PatternDetector
	Keywords []KeywordDetector

	// MaxSamples is the maximum number of redacted samples per finding
	// (default 5).
	MaxSamples int
	// MaxOffsets is the maximum number of match offsets per finding
	// (default 1000). Count goes on past it.
	MaxOffsets int

	Limits Limits
}

// PatternDetector is an admin-defined regular expression in RE2 syntax (see
// package regexp). Each non-overlapping match counts once.
type PatternDetector struct {
	ID       string
	Pattern  string // at most MaxPatternLength bytes, must not match ""
	MinCount int    // matches needed before the finding is reported (default 1)
}

// KeywordDetector is an admin-defined list of words or phrases, matched as
// whole words without regard to case. A phrase matches its words separated by
// any run of spaces, tabs, line breaks or hyphens.
type KeywordDetector struct {
	ID       string
	Keywords []string // letters, digits, spaces and hyphens only
	MinCount int      // matches needed before the finding is reported (default 1)
}

// Limits bound the resources spent on one file. Zero fields take the
// defaults in [DefaultLimits].
type Limits struct {
	MaxInputBytes int64 // size of the file
	MaxTextBytes  int64 // size of the extracted text

	MaxZipEntries       int   // entries in the zip central directory
	MaxMemberBytes      int64 // uncompressed size of one zip member or PDF stream
	MaxTotalBytes       int64 // uncompressed bytes read from all members or streams
	MaxCompressionRatio int64 // uncompressed/compressed size of one member or stream

	MaxXMLDepth  int // element nesting in one XML member
	MaxXMLTokens int // XML tokens in one member

	MaxPDFStreams int // streams examined in one PDF
}

// ratioFloor is the uncompressed size below which MaxCompressionRatio is not
// applied, because small members of repetitive XML compress well without
// being a threat.
const ratioFloor = 1 << 20

// DefaultLimits returns the limits used for zero fields of [Limits].
func DefaultLimits() Limits {
	return Limits{
		MaxInputBytes:  256 << 20,
		MaxTextBytes:   128 << 20,
		MaxZipEntries:  10000,
		MaxMemberBytes: 128 << 20,
		MaxTotalBytes:  512 << 20,
		// NOTE: 400 is an estimate. Office XML usually compresses 10–50:1
		// and zip bombs approach deflate's maximum of about 1030:1.
		MaxCompressionRatio: 400,
		MaxXMLDepth:         256,
		MaxXMLTokens:        50_000_000,
		MaxPDFStreams:       20000,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxInputBytes <= 0 {
		l.MaxInputBytes = d.MaxInputBytes
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = d.MaxTextBytes
	}
	if l.MaxZipEntries <= 0 {
		l.MaxZipEntries = d.MaxZipEntries
	}
	if l.MaxMemberBytes <= 0 {
		l.MaxMemberBytes = d.MaxMemberBytes
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = d.MaxCompressionRatio
	}
	if l.MaxXMLDepth <= 0 {
		l.MaxXMLDepth = d.MaxXMLDepth
	}
	if l.MaxXMLTokens <= 0 {
		l.MaxXMLTokens = d.MaxXMLTokens
	}
	if l.MaxPDFStreams <= 0 {
		l.MaxPDFStreams = d.MaxPDFStreams
	}
	return l
}

// DefaultConfig returns a configuration with all built-in detectors enabled
// and default limits.
func DefaultConfig() Config {
	return Config{Cards: true, SSNs: true, IBANs: true}
}
