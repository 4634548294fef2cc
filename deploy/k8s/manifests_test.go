package k8s

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// manifests are the decoded objects of every *.yaml file here.
type manifests struct {
	deployments []*appsv1.Deployment
	jobs        []*batchv1.Job
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	accounts    []*corev1.ServiceAccount
	budgets     []*policyv1.PodDisruptionBudget
}

// load decodes every document of every manifest strictly into its API type.
func load(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests found: %v", err)
	}
	var m manifests
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			where := fmt.Sprintf("%s (document %d)", file, i+1)
			if err := m.add([]byte(doc)); err != nil {
				t.Errorf("%s: %v", where, err)
			}
		}
	}
	return m
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// add decodes one document by its apiVersion and kind. yaml.UnmarshalStrict
// refuses unknown fields and duplicate keys; the API types refuse values of
// the wrong type and malformed quantities.
func (m *manifests) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	strict := func(v any) error {
		if err := yaml.UnmarshalStrict(doc, v); err != nil {
			return fmt.Errorf("%s %s: %w", tm.APIVersion, tm.Kind, err)
		}
		return nil
	}
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		return decodeInto(&m.deployments, strict)
	case "batch/v1 Job":
		return decodeInto(&m.jobs, strict)
	case "v1 Service":
		return decodeInto(&m.services, strict)
	case "v1 ConfigMap":
		return decodeInto(&m.configMaps, strict)
	case "v1 ServiceAccount":
		return decodeInto(&m.accounts, strict)
	case "policy/v1 PodDisruptionBudget":
		return decodeInto(&m.budgets, strict)
	}
	return fmt.Errorf("unexpected kind %q %q: add it to the validator", tm.APIVersion, tm.Kind)
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := load(t)
	if len(m.deployments) != 1 || len(m.jobs) != 1 || len(m.services) != 2 || len(m.budgets) != 1 || len(m.configMaps) != 1 || len(m.accounts) != 1 {
		t.Fatalf("want one Deployment, Job, PodDisruptionBudget, ConfigMap and ServiceAccount and two Services; have %d, %d, %d, %d, %d, %d",
			len(m.deployments), len(m.jobs), len(m.services), len(m.budgets), len(m.configMaps), len(m.accounts))
	}
	for _, meta := range m.metas() {
		if errs := validation.IsDNS1123Subdomain(meta.Name); len(errs) > 0 {
			t.Errorf("name %q: %v", meta.Name, errs)
		}
	}
}

func (m manifests) metas() []metav1.ObjectMeta {
	var out []metav1.ObjectMeta
	for _, d := range m.deployments {
		out = append(out, d.ObjectMeta)
	}
	for _, j := range m.jobs {
		out = append(out, j.ObjectMeta)
	}
	for _, s := range m.services {
		out = append(out, s.ObjectMeta)
	}
	for _, c := range m.configMaps {
		out = append(out, c.ObjectMeta)
	}
	for _, a := range m.accounts {
		out = append(out, a.ObjectMeta)
	}
	for _, b := range m.budgets {
		out = append(out, b.ObjectMeta)
	}
	return out
}

func TestDeploymentProbesAndSelectors(t *testing.T) {
	m := load(t)
	d := m.deployments[0]
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		t.Fatalf("deployment selector: %v", err)
	}
	pod := labels.Set(d.Spec.Template.Labels)
	if !sel.Matches(pod) {
		t.Errorf("deployment selector %s does not match its pod labels %v", sel, pod)
	}
	c := container(t, d.Spec.Template.Spec, "aartha")
	if !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("container args %v, want [serve]", c.Args)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	probe := func(what string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET of %s", what, path)
			return
		}
		if p.HTTPGet.Path != path {
			t.Errorf("%s probe path %q, want %q", what, p.HTTPGet.Path, path)
		}
		if _, ok := ports[p.HTTPGet.Port.String()]; !ok && p.HTTPGet.Port.IntValue() != int(ports["http"]) {
			t.Errorf("%s probe port %s is not a container port", what, p.HTTPGet.Port.String())
		}
	}
	probe("readiness", c.ReadinessProbe, "/ready")
	probe("liveness", c.LivenessProbe, "/health")
	if ports["http"] != 8080 || !hasEnv(m, c, "AARTHA_LISTEN_ADDR", "0.0.0.0:8080") {
		t.Errorf("the container must listen on 0.0.0.0:8080 and name the port http: %v", ports)
	}
	if d.Spec.Template.Spec.TerminationGracePeriodSeconds == nil || *d.Spec.Template.Spec.TerminationGracePeriodSeconds <= 30 {
		t.Error("terminationGracePeriodSeconds must be longer than the service's 30s shutdown")
	}

	for _, s := range m.services {
		if !labels.SelectorFromSet(s.Spec.Selector).Matches(pod) || len(s.Spec.Selector) == 0 {
			t.Errorf("service %s: selector %v does not match the pods %v", s.Name, s.Spec.Selector, pod)
		}
		for _, p := range s.Spec.Ports {
			if _, ok := ports[p.TargetPort.String()]; !ok {
				t.Errorf("service %s: port %s targets %s, not a named container port", s.Name, p.Name, p.TargetPort.String())
			}
		}
	}
	b := m.budgets[0]
	bsel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
	if err != nil || bsel.Empty() || !bsel.Matches(pod) {
		t.Errorf("PodDisruptionBudget selector %v does not match the pods", b.Spec.Selector)
	}
	if b.Spec.MinAvailable == nil || d.Spec.Replicas == nil || b.Spec.MinAvailable.IntValue() >= int(*d.Spec.Replicas) {
		t.Error("the PodDisruptionBudget must allow a disruption: minAvailable below replicas")
	}
}

func TestMigrationJobRunsMigrate(t *testing.T) {
	m := load(t)
	j := m.jobs[0]
	spec := j.Spec.Template.Spec
	if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("job restartPolicy %q", spec.RestartPolicy)
	}
	c := container(t, spec, "migrate")
	if !slices.Equal(c.Args, []string{"migrate"}) {
		t.Errorf("job args %v, want [migrate]", c.Args)
	}
	server := container(t, m.deployments[0].Spec.Template.Spec, "aartha")
	if c.Image != server.Image {
		t.Errorf("the job migrates with %s but the deployment serves %s: one release, one image", c.Image, server.Image)
	}
}

// TestPodsAreLockedDown checks every pod: non-root, read-only root file
// system, no privilege escalation, no capabilities, a seccomp profile, no
// service account token, resources set, and writable paths mounted.
func TestPodsAreLockedDown(t *testing.T) {
	m := load(t)
	pods := map[string]corev1.PodSpec{"deployment": m.deployments[0].Spec.Template.Spec, "job": m.jobs[0].Spec.Template.Spec}
	for name, spec := range pods {
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s: pod must run as a non-root user", name)
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod needs the RuntimeDefault seccomp profile", name)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken must be false", name)
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = v
		}
		for _, c := range spec.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s/%s: readOnlyRootFilesystem must be true", name, c.Name)
			}
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s/%s: allowPrivilegeEscalation must be false", name, c.Name)
			}
			if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s/%s: capabilities must drop ALL and add none", name, c.Name)
			}
			if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: set memory requests and limits", name, c.Name)
			}
			if strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
				t.Errorf("%s/%s: pin the image tag, not %q", name, c.Name, c.Image)
			}
			mounts := map[string]bool{}
			for _, vm := range c.VolumeMounts {
				if _, ok := volumes[vm.Name]; !ok {
					t.Errorf("%s/%s: mount of unknown volume %q", name, c.Name, vm.Name)
				}
				mounts[vm.MountPath] = true
			}
			for _, p := range []string{"/tmp", "/var/lib/aartha"} {
				if !mounts[p] {
					t.Errorf("%s/%s: %s must be a mounted volume (the root file system is read-only)", name, c.Name, p)
				}
			}
		}
	}
}

// TestSecretsComeFromTheSecret checks that every secret reference names the
// Secret "aartha", that every NAME_FILE path is a file the mounted Secret
// provides, and that no secret value sits in the ConfigMap.
func TestSecretsComeFromTheSecret(t *testing.T) {
	m := load(t)
	for _, spec := range []corev1.PodSpec{m.deployments[0].Spec.Template.Spec, m.jobs[0].Spec.Template.Spec} {
		files := map[string]bool{} // paths the Secret volumes provide
		for _, c := range spec.Containers {
			for _, vm := range c.VolumeMounts {
				for _, v := range spec.Volumes {
					if v.Name != vm.Name || v.Secret == nil {
						continue
					}
					if v.Secret.SecretName != "aartha" {
						t.Errorf("volume %s mounts Secret %q, want aartha", v.Name, v.Secret.SecretName)
					}
					for _, item := range v.Secret.Items {
						files[filepath.Join(vm.MountPath, item.Path)] = true
					}
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != "aartha" {
					t.Errorf("%s: secretKeyRef names %q, want aartha", e.Name, e.ValueFrom.SecretKeyRef.Name)
				}
				if strings.HasSuffix(e.Name, "_FILE") || e.Name == "BLOCKCHAIN_KEYSTORE" {
					if !files[e.Value] {
						t.Errorf("%s=%s: no mounted Secret provides that file", e.Name, e.Value)
					}
				}
			}
		}
	}
	secretish := regexp.MustCompile(`(?i)(SECRET|PASSWORD|PASSPHRASE|TOKEN|PRIVATE_KEY|DSN)$`)
	for _, cm := range m.configMaps {
		for k, v := range cm.Data {
			if secretish.MatchString(k) {
				t.Errorf("ConfigMap %s holds %s: secrets belong in the Secret", cm.Name, k)
			}
			if regexp.MustCompile(`://[^/@]*:[^/@]*@`).MatchString(v) {
				t.Errorf("ConfigMap %s: %s carries a password in its URL", cm.Name, k)
			}
		}
	}
}

func container(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range spec.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q", name)
	return corev1.Container{}
}

// hasEnv reports whether the container gets name=value, directly or from a
// ConfigMap it loads with envFrom.
func hasEnv(m manifests, c corev1.Container, name, value string) bool {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value == value
		}
	}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		for _, cm := range m.configMaps {
			if cm.Name == from.ConfigMapRef.Name && cm.Data[name] == value {
				return true
			}
		}
	}
	return false
}

// TestStrictDecodingCatchesMistakes shows the validator refusing what a
// cluster would refuse: a misspelt field, a wrong type, a bad quantity.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 2}\n",
		"wrong type":    "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: http}]}\n",
		"bad quantity":  "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {template: {spec: {containers: [{name: c, resources: {limits: {memory: lots}}}]}}}\n",
		"unknown kind":  "apiVersion: v1\nkind: Secrett\nmetadata: {name: x}\n",
	} {
		var m manifests
		if err := m.add([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestConfigurationPassesConfigCheck runs `aartha config check` (the binary
// named by AARTHA_BIN; .ci/run builds it) with the environment each pod
// gets: the ConfigMap, the container's env, stand-ins for the Secret's
// values and files. migrate and serve validate the whole configuration, so
// a variable the manifests misname or leave out would stop the pods.
func TestConfigurationPassesConfigCheck(t *testing.T) {
	bin := os.Getenv("AARTHA_BIN")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AARTHA_BIN is not set: CI must check the manifests' configuration")
		}
		t.Skip("AARTHA_BIN is not set (deploy/build-release.sh builds the binary)")
	}
	m := load(t)
	secretDir := t.TempDir()
	stand := map[string]string{
		"jwt_secret_key":      "Xq3vT8mW1zR6yB4nK9pL2sF7hJ5dGa0cE3uQ8wZ1",
		"audit_seal_key":      "stand-in-audit-seal-key-of-at-least-32-bytes",
		"database_password":   "stand-in-database-password",
		"keystore.json":       "{}",
		"keystore_passphrase": "stand-in-passphrase",
		"sentry_dsn":          "https://0123456789abcdef0123456789abcdef@sentry.example.com/42",
	}
	for k, v := range stand {
		if err := os.WriteFile(filepath.Join(secretDir, k), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pods := map[string]corev1.Container{
		"deployment": container(t, m.deployments[0].Spec.Template.Spec, "aartha"),
		"job":        container(t, m.jobs[0].Spec.Template.Spec, "migrate"),
	}
	for name, c := range pods {
		env := []string{"PATH=" + os.Getenv("PATH")}
		for _, from := range c.EnvFrom {
			for _, cm := range m.configMaps {
				if from.ConfigMapRef != nil && cm.Name == from.ConfigMapRef.Name {
					for k, v := range cm.Data {
						env = append(env, k+"="+v)
					}
				}
			}
		}
		for _, e := range c.Env {
			v := e.Value
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				v = stand[e.ValueFrom.SecretKeyRef.Key]
			}
			env = append(env, e.Name+"="+strings.Replace(v, "/run/secrets/aartha", secretDir, 1))
		}
		cmd := exec.Command(bin, "config", "check")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: aartha config check: %v\n%s", name, err, out)
		}
		for _, v := range stand {
			if strings.Contains(string(out), v) && len(v) > 2 {
				t.Errorf("%s: config check printed a secret", name)
			}
		}
	}
}

// decodeInto decodes the document into a new T, kept in list.
func decodeInto[T any](list *[]*T, decode func(any) error) error {
	v := new(T)
	*list = append(*list, v)
	return decode(v)
}
