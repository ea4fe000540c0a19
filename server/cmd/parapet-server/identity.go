package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"parapet/server/access"
	"parapet/server/anomaly"
	"parapet/server/api"
	"parapet/server/auth"
	"parapet/server/hub"
	"parapet/server/identity"
	"parapet/server/identity/oidclogin"
	"parapet/server/identity/passkey"
	"parapet/server/identity/signin"
	"parapet/server/identity/sqlstore"
	"parapet/server/identity/stepup"
	"parapet/server/identity/totp"
	"parapet/server/store"

	"go.yaml.in/yaml/v3"
)

// identityFlags configure sign-in, step-up, guests and alerts.
type identityFlags struct {
	publicURL      string
	oidcIssuer     string
	oidcClientID   string
	oidcSecretFile string
	orgDomains     stringList
	guestGroups    stringList
	extensionIDs   stringList
	alertWebhook   string
	stepUpTimeout  time.Duration
	anomalyConfig  string
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func (f *identityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.publicURL, "public-url", "", "https origin that browsers and agents reach the server at, for step-up links and the OIDC redirect; default https://LISTEN")
	fs.StringVar(&f.oidcIssuer, "oidc-issuer", "", "OpenID Connect issuer URL; enables sign-in and step-up through the provider")
	fs.StringVar(&f.oidcClientID, "oidc-client-id", "", "OAuth client id at the OIDC provider (required with --oidc-issuer)")
	fs.StringVar(&f.oidcSecretFile, "oidc-client-secret-file", "", "file containing the OAuth client secret at the OIDC provider")
	fs.Var(&f.orgDomains, "org-domain", "email domain of the organization, such as corp.test; users of other domains are guests (repeatable; without any, every user is a guest)")
	fs.Var(&f.guestGroups, "guest-group", "group whose members are guests even with an organization email (repeatable)")
	fs.Var(&f.extensionIDs, "extension-id", "Chrome extension id allowed to start a sign-in (repeatable; default: any)")
	fs.StringVar(&f.alertWebhook, "alert-webhook", "", "http or https URL that receives each new anomaly alert as a JSON POST")
	fs.DurationVar(&f.stepUpTimeout, "step-up-timeout", stepup.DefaultTimeout, "how long an action waits for the user to pass step-up before it is blocked")
	fs.StringVar(&f.anomalyConfig, "anomaly-config", "", "YAML file of anomaly detector settings (see docs/anomaly.md); default: the built-in defaults")
}

func (f *identityFlags) check(listen string) error {
	if f.publicURL == "" {
		f.publicURL = "https://" + listen
	}
	u, err := url.Parse(f.publicURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return fmt.Errorf("--public-url: %q is not an https origin such as https://parapet.example.org", f.publicURL)
	}
	f.publicURL = strings.TrimRight(f.publicURL, "/")
	if (f.oidcIssuer == "") != (f.oidcClientID == "") {
		return errors.New("--oidc-issuer and --oidc-client-id must be given together")
	}
	if f.alertWebhook != "" {
		w, err := url.Parse(f.alertWebhook)
		if err != nil || (w.Scheme != "http" && w.Scheme != "https") || w.Host == "" {
			return fmt.Errorf("--alert-webhook: %q is not an http or https URL", f.alertWebhook)
		}
	}
	if f.stepUpTimeout < 10*time.Second {
		return fmt.Errorf("--step-up-timeout: must be at least 10s, got %s", f.stepUpTimeout)
	}
	return nil
}

// identityParts is the wired identity of a running server.
type identityParts struct {
	store    *sqlstore.Store
	users    *identity.Directory
	sessions *identity.Sessions
	totp     *totp.Authenticator
	registry *stepup.Registry
	access   *access.Service
	webhook  *access.Webhook
}

// setUpIdentity builds the identity services on st's database, mounts the
// sign-in, step-up and enrollment routes on mux and connects the hub.
func setUpIdentity(ctx context.Context, f identityFlags, st *store.SQLite, h *hub.Hub, mux *http.ServeMux, base *slog.Logger) (*identityParts, error) {
	log := base.With("component", "identity")
	ids := sqlstore.New(st.DB())
	org := identity.Organization{Domains: f.orgDomains, GuestGroups: f.guestGroups}
	p := &identityParts{store: ids}
	p.users = &identity.Directory{Store: ids, Org: org, Failures: auth.NewLimiter(5, 15*time.Minute), Log: log}
	p.sessions = &identity.Sessions{Store: ids, Log: log}
	p.totp = &totp.Authenticator{Store: ids, Issuer: "Parapet"}
	p.registry = &stepup.Registry{Sessions: p.sessions, Timeout: f.stepUpTimeout, Log: log,
		OnAttempt: func(_ context.Context, a stepup.Attempt) {
			log.Info("step-up attempt", "action_id", a.ActionID, "user_id", a.UserID, "session_id", a.SessionID,
				"method", a.Method, "ok", a.OK, "ip", a.IP.String(), "reason", a.Error)
		}}

	detectorCfg, err := loadAnomalyConfig(f.anomalyConfig)
	if err != nil {
		return nil, err
	}
	detector, err := anomaly.New(detectorCfg, nil)
	if err != nil {
		return nil, fmt.Errorf("configuring anomaly detection: %w", err)
	}
	p.access = &access.Service{Store: st, Anomaly: detector, Notifier: h, Log: base.With("component", "access")}
	if f.alertWebhook != "" {
		p.webhook = access.NewWebhook(f.alertWebhook, &http.Client{}, base.With("component", "webhook"))
		p.access.Webhook = p.webhook
	}

	var oidc *oidclogin.Client
	if f.oidcIssuer != "" {
		secret := ""
		if f.oidcSecretFile != "" {
			data, err := os.ReadFile(f.oidcSecretFile)
			if err != nil {
				return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
			}
			secret = strings.TrimSpace(string(data))
		}
		oidc, err = oidclogin.New(ctx, oidclogin.Config{Issuer: f.oidcIssuer, ClientID: f.oidcClientID,
			ClientSecret: secret, RedirectURL: f.publicURL + "/oidc/callback"})
		if err != nil {
			return nil, err
		}
		mux.HandleFunc("GET /oidc/callback", oidc.ServeCallback)
	}
	var passkeys *passkey.Service
	if host := hostOf(f.publicURL); net.ParseIP(host) == nil {
		passkeys, err = passkey.New(passkey.Config{RPID: host, RPDisplayName: "Parapet", Origins: []string{f.publicURL}}, ids)
		if err != nil {
			return nil, err
		}
	} else {
		log.Info("WebAuthn is off because --public-url names an IP address; browsers need a host name", "public_url", f.publicURL)
	}

	(&signin.Handler{Users: p.users, Sessions: p.sessions, OIDC: oidc, ExtensionIDs: f.extensionIDs, Log: log}).Register(mux)
	(&stepup.Handler{Registry: p.registry, Users: p.users, TOTP: p.totp, Passkeys: passkeys, OIDC: oidc, Log: log}).Register(mux)
	(&totp.Handler{TOTP: p.totp, Sessions: p.sessions, Users: p.users, Log: log}).Register(mux)
	if passkeys != nil {
		(&passkey.Handler{Passkeys: passkeys, Sessions: p.sessions, Users: p.users, Log: log}).Register(mux)
	}
	h.SetIdentity(&hub.Identity{Users: p.users, Sessions: p.sessions, Scopes: ids, Registry: p.registry,
		Access: p.access, PublicURL: f.publicURL})
	return p, nil
}

// apiIdentity returns the admin API's view of the identity services.
func (p *identityParts) apiIdentity(st *store.SQLite) *api.Identity {
	return &api.Identity{Users: p.users, Sessions: p.sessions, Store: p.store, TOTP: p.totp, Access: p.access, Alerts: st}
}

// run starts the background work: the webhook and the hourly removal of
// expired sessions.
func (p *identityParts) run(ctx context.Context, log *slog.Logger) {
	if p.webhook != nil {
		go p.webhook.Run(ctx)
	}
	go func() {
		ticker := time.NewTicker(time.Hour)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if n, err := p.sessions.DeleteExpired(ctx); err != nil {
					log.Error("deleting expired sessions", "error", err)
				} else if n > 0 {
					log.Info("deleted expired sessions", "count", n)
				}
				if p.access.Anomaly != nil {
					p.access.Anomaly.Sweep()
				}
			}
		}
	}()
}

func hostOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func loadAnomalyConfig(path string) (anomaly.Config, error) {
	if path == "" {
		return anomaly.Config{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return anomaly.Config{}, fmt.Errorf("--anomaly-config: %w", err)
	}
	var cfg anomaly.Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return anomaly.Config{}, fmt.Errorf("--anomaly-config %s: %w", path, err)
	}
	return cfg, nil
}
