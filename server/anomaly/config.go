package anomaly

import (
	"errors"
	"fmt"
	"time"
)

// Config sets the thresholds and responses of every detector. A zero field
// takes its default from DefaultConfig, so a YAML or JSON document needs to
// name only what it changes.
type Config struct {
	MassDownload    MassDownloadConfig    `yaml:"mass_download" json:"mass_download"`
	SensitiveUpload SensitiveUploadConfig `yaml:"sensitive_upload" json:"sensitive_upload"`
	RepeatedBlocks  RepeatedBlocksConfig  `yaml:"repeated_blocks" json:"repeated_blocks"`
	NewIPRange      NewIPRangeConfig      `yaml:"new_ip_range" json:"new_ip_range"`
	NewDevice       NewDeviceConfig       `yaml:"new_device" json:"new_device"`
}

// Response is the action, block duration and severity of a detector's
// findings.
type Response struct {
	// Disabled turns the detector off. It then keeps no state.
	Disabled bool   `yaml:"disabled" json:"disabled"`
	Action   Action `yaml:"action" json:"action"`
	// BlockFor is how long ActionBlockUser blocks the user.
	BlockFor Duration `yaml:"block_for" json:"block_for"`
	Severity Severity `yaml:"severity" json:"severity"`
}

// MassDownloadConfig sets the mass download detector. A user who downloads
// more than MaxFiles files, or more than MaxBytes bytes, within Window
// across all devices trips it.
type MassDownloadConfig struct {
	MaxFiles int      `yaml:"max_files" json:"max_files"`
	MaxBytes int64    `yaml:"max_bytes" json:"max_bytes"`
	Window   Duration `yaml:"window" json:"window"`
	Response `yaml:",inline" json:",inline"`
}

// SensitiveUploadConfig sets the sensitive upload detector. A user who
// uploads more than MaxUploads sensitive files within Window trips it.
type SensitiveUploadConfig struct {
	MaxUploads int      `yaml:"max_uploads" json:"max_uploads"`
	Window     Duration `yaml:"window" json:"window"`
	Response   `yaml:",inline" json:",inline"`
}

// RepeatedBlocksConfig sets the repeated blocks detector. A user with more
// than MaxBlocks blocked actions within Window trips it.
type RepeatedBlocksConfig struct {
	MaxBlocks int      `yaml:"max_blocks" json:"max_blocks"`
	Window    Duration `yaml:"window" json:"window"`
	Response  `yaml:",inline" json:",inline"`
}

// NewIPRangeConfig sets the new IP range detector. It remembers up to
// MaxRanges IPv4 /24 and IPv6 /48 prefixes per user and forgets a prefix
// not seen for ForgetAfter.
type NewIPRangeConfig struct {
	MaxRanges   int      `yaml:"max_ranges" json:"max_ranges"`
	ForgetAfter Duration `yaml:"forget_after" json:"forget_after"`
	Response    `yaml:",inline" json:",inline"`
}

// NewDeviceConfig sets the new device detector. It remembers up to
// MaxDevices devices that signed in for each user and forgets a device
// that has not signed in for ForgetAfter.
type NewDeviceConfig struct {
	MaxDevices  int      `yaml:"max_devices" json:"max_devices"`
	ForgetAfter Duration `yaml:"forget_after" json:"forget_after"`
	Response    `yaml:",inline" json:",inline"`
}

// Limits on configured sizes. Each counted event costs about 40 bytes plus
// its activity id for as long as it stays in its window, and each
// remembered range or device 16 bytes, per user.
const (
	maxCountLimit = 1000
	maxSetLimit   = 256
)

// DefaultConfig returns the defaults documented in docs/anomaly.md.
func DefaultConfig() Config {
	const blockFor = Duration(15 * time.Minute)
	return Config{
		MassDownload: MassDownloadConfig{
			MaxFiles: 20,
			MaxBytes: 500 << 20,
			Window:   Duration(time.Minute),
			Response: Response{Action: ActionBlockUser, BlockFor: blockFor, Severity: SeverityHigh},
		},
		SensitiveUpload: SensitiveUploadConfig{
			MaxUploads: 5,
			Window:     Duration(10 * time.Minute),
			Response:   Response{Action: ActionBlockUser, BlockFor: blockFor, Severity: SeverityHigh},
		},
		RepeatedBlocks: RepeatedBlocksConfig{
			MaxBlocks: 10,
			Window:    Duration(10 * time.Minute),
			Response:  Response{Action: ActionAlert, BlockFor: blockFor, Severity: SeverityMedium},
		},
		NewIPRange: NewIPRangeConfig{
			MaxRanges:   16,
			ForgetAfter: Duration(30 * 24 * time.Hour),
			Response:    Response{Action: ActionAlert, BlockFor: blockFor, Severity: SeverityLow},
		},
		NewDevice: NewDeviceConfig{
			MaxDevices:  16,
			ForgetAfter: Duration(90 * 24 * time.Hour),
			Response:    Response{Action: ActionStepUp, BlockFor: blockFor, Severity: SeverityMedium},
		},
	}
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	setDefault(&c.MassDownload.MaxFiles, d.MassDownload.MaxFiles)
	setDefault(&c.MassDownload.MaxBytes, d.MassDownload.MaxBytes)
	setDefault(&c.MassDownload.Window, d.MassDownload.Window)
	c.MassDownload.Response.setDefaults(d.MassDownload.Response)
	setDefault(&c.SensitiveUpload.MaxUploads, d.SensitiveUpload.MaxUploads)
	setDefault(&c.SensitiveUpload.Window, d.SensitiveUpload.Window)
	c.SensitiveUpload.Response.setDefaults(d.SensitiveUpload.Response)
	setDefault(&c.RepeatedBlocks.MaxBlocks, d.RepeatedBlocks.MaxBlocks)
	setDefault(&c.RepeatedBlocks.Window, d.RepeatedBlocks.Window)
	c.RepeatedBlocks.Response.setDefaults(d.RepeatedBlocks.Response)
	setDefault(&c.NewIPRange.MaxRanges, d.NewIPRange.MaxRanges)
	setDefault(&c.NewIPRange.ForgetAfter, d.NewIPRange.ForgetAfter)
	c.NewIPRange.Response.setDefaults(d.NewIPRange.Response)
	setDefault(&c.NewDevice.MaxDevices, d.NewDevice.MaxDevices)
	setDefault(&c.NewDevice.ForgetAfter, d.NewDevice.ForgetAfter)
	c.NewDevice.Response.setDefaults(d.NewDevice.Response)
	return c
}

func (r *Response) setDefaults(d Response) {
	setDefault(&r.Action, d.Action)
	setDefault(&r.BlockFor, d.BlockFor)
	setDefault(&r.Severity, d.Severity)
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// Validate checks c after defaults are applied. The error names every
// invalid field by its YAML path.
func (c Config) Validate() error {
	var errs []error
	errs = append(errs, checkCount("mass_download.max_files", c.MassDownload.MaxFiles, maxCountLimit))
	if c.MassDownload.MaxBytes < 1 {
		errs = append(errs, fmt.Errorf("mass_download.max_bytes: %d is invalid, it must be at least 1", c.MassDownload.MaxBytes))
	}
	errs = append(errs, checkDuration("mass_download.window", c.MassDownload.Window))
	errs = append(errs, c.MassDownload.Response.validate("mass_download"))
	errs = append(errs, checkCount("sensitive_upload.max_uploads", c.SensitiveUpload.MaxUploads, maxCountLimit))
	errs = append(errs, checkDuration("sensitive_upload.window", c.SensitiveUpload.Window))
	errs = append(errs, c.SensitiveUpload.Response.validate("sensitive_upload"))
	errs = append(errs, checkCount("repeated_blocks.max_blocks", c.RepeatedBlocks.MaxBlocks, maxCountLimit))
	errs = append(errs, checkDuration("repeated_blocks.window", c.RepeatedBlocks.Window))
	errs = append(errs, c.RepeatedBlocks.Response.validate("repeated_blocks"))
	errs = append(errs, checkCount("new_ip_range.max_ranges", c.NewIPRange.MaxRanges, maxSetLimit))
	errs = append(errs, checkDuration("new_ip_range.forget_after", c.NewIPRange.ForgetAfter))
	errs = append(errs, c.NewIPRange.Response.validate("new_ip_range"))
	errs = append(errs, checkCount("new_device.max_devices", c.NewDevice.MaxDevices, maxSetLimit))
	errs = append(errs, checkDuration("new_device.forget_after", c.NewDevice.ForgetAfter))
	errs = append(errs, c.NewDevice.Response.validate("new_device"))
	return errors.Join(errs...)
}

func (r Response) validate(path string) error {
	var errs []error
	switch r.Action {
	case ActionAlert, ActionStepUp, ActionBlockUser:
	default:
		errs = append(errs, fmt.Errorf("%s.action: %q is not one of alert, block_user, step_up", path, r.Action))
	}
	errs = append(errs, checkDuration(path+".block_for", r.BlockFor))
	switch r.Severity {
	case SeverityLow, SeverityMedium, SeverityHigh:
	default:
		errs = append(errs, fmt.Errorf("%s.severity: %q is not one of low, medium, high", path, r.Severity))
	}
	return errors.Join(errs...)
}

func checkCount(path string, n, limit int) error {
	if n < 1 || n > limit {
		return fmt.Errorf("%s: %d is invalid, it must be between 1 and %d", path, n, limit)
	}
	return nil
}

func checkDuration(path string, d Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s: %s is invalid, it must be positive", path, time.Duration(d))
	}
	return nil
}
