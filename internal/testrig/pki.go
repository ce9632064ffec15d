package testrig

import "crypto/ecdsa"
import "crypto/elliptic"
import "crypto/rand"
import "crypto/tls"
import "crypto/x509"
import "crypto/x509/pkix"
import "encoding/pem"
import "math/big"
import "net"
import "os"
import "path/filepath"
import "testing"
import "time"

// PKI is a court's own test certificate authority in a temporary directory: a CA, a server
// certificate for localhost and 127.0.0.1, an agent client certificate signed by the CA, and
// a self-signed client certificate the CA did not sign. The *PEM, *Cert and *Key fields are
// file paths.
type PKI struct {
	Dir                   string
	CAPEM                 string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
	CAPool                *x509.CertPool
	ClientPair            tls.Certificate
	OtherCA               *x509.CertPool
	SelfSignedClientPair  tls.Certificate
}

// NewPKI writes a fresh PKI under t.TempDir().
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	p := &PKI{Dir: dir}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "court test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	p.CAPEM = write("ca.pem", "CERTIFICATE", caDER)
	p.CAPool = x509.NewCertPool()
	p.CAPool.AddCert(ca)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, signer *x509.Certificate, signKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		if signer == nil {
			signer, signKey = tmpl, k
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &k.PublicKey, signKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	keyPEM := func(name string, k *ecdsa.PrivateKey) string {
		b, _ := x509.MarshalECPrivateKey(k)
		return write(name, "EC PRIVATE KEY", b)
	}
	sDER, sKey := leaf(2, "courtscribe server", x509.ExtKeyUsageServerAuth, ca, caKey)
	p.ServerCert, p.ServerKey = write("server.pem", "CERTIFICATE", sDER), keyPEM("server.key", sKey)
	cDER, cKey := leaf(3, "agent room-1", x509.ExtKeyUsageClientAuth, ca, caKey)
	p.ClientCert, p.ClientKey = write("client.pem", "CERTIFICATE", cDER), keyPEM("client.key", cKey)
	p.ClientPair, err = tls.LoadX509KeyPair(p.ClientCert, p.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	xDER, xKey := leaf(4, "rogue agent", x509.ExtKeyUsageClientAuth, nil, nil)
	p.SelfSignedClientPair, _ = tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: xDER}),
		func() []byte {
			b, _ := x509.MarshalECPrivateKey(xKey)
			return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b})
		}())
	return p
}
