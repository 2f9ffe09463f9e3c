import { compileTemplate } from "../../src/cli/_go_template.ts";
import { UserError } from "../../src/errors.ts";
import { assert, assertEquals } from "../_assert.ts";

const DATA = {
  Id: "abc",
  Name: "/web",
  State: { Status: "running", Running: true, Pid: 4242, ExitCode: 0 },
  Config: { Env: ["A=1", "B=2"], Cmd: ["sleep", "30"], WorkingDir: "" },
  HostConfig: { Binds: null, Memory: 1073741824 },
  NetworkSettings: {
    IPAddress: "172.29.0.2",
    Networks: { bridge: { IPAddress: "172.29.0.2" }, other: { IPAddress: "10.231.0.9" } },
  },
};

function render(src: string, data: unknown = DATA): string {
  return compileTemplate(src)(data);
}

function renderError(src: string, data: unknown = DATA): string {
  try {
    render(src, data);
  } catch (err) {
    assert(err instanceof UserError, `UserError expected, got ${err}`);
    assert(err.message.startsWith("template: "), err.message);
    assertEquals(err.message.includes("\n"), false, "one line");
    return err.message;
  }
  throw new Error(`no error for ${src}`);
}

Deno.test("template: fields, literal text, numbers print as Docker does", () => {
  assertEquals(render("{{.State.Pid}}"), "4242");
  assertEquals(
    render("ip={{.NetworkSettings.IPAddress}} name={{.Name}}"),
    "ip=172.29.0.2 name=/web",
  );
  assertEquals(render("{{.HostConfig.Memory}}"), "1073741824");
  assertEquals(render("{{.State.Running}}"), "true");
  assertEquals(render("{{.Config.Cmd}}"), "[sleep 30]");
  assertEquals(render("{{.NetworkSettings.Networks.bridge}}"), "map[IPAddress:172.29.0.2]");
  assertEquals(render("no actions"), "no actions");
  assertEquals(render("{{.}}", "x"), "x");
  assertEquals(render("{{$.Id}}"), "abc");
});

Deno.test("template: missing keys and nulls print <no value>, like docker inspect", () => {
  assertEquals(render("{{.Nope}}"), "<no value>");
  assertEquals(render("{{.HostConfig.Binds}}"), "<no value>");
  assertEquals(render("{{.Config.WorkingDir}}"), "");
});

Deno.test("template: json, pipes and Docker's string functions", () => {
  assertEquals(render("{{json .Config}}"), JSON.stringify(DATA.Config));
  assertEquals(render("{{.Config.Env | json}}"), '["A=1","B=2"]');
  assertEquals(render("{{json .HostConfig.Binds}}"), "null");
  assertEquals(render('{{join .Config.Cmd " "}}'), "sleep 30");
  assertEquals(render('{{index (split "a:b:c" ":") 1}}'), "b");
  assertEquals(
    render("{{upper .State.Status}} {{lower `ABC`}} {{title .State.Status}}"),
    "RUNNING abc Running",
  );
  assertEquals(render("{{truncate .Name 3}}"), "/we");
  assertEquals(render("{{len .Config.Env}} {{len .NetworkSettings.Networks}}"), "2 2");
  assertEquals(render('{{index .NetworkSettings.Networks "other"}}'), "map[IPAddress:10.231.0.9]");
  assertEquals(render('{{(index .NetworkSettings.Networks "other").IPAddress}}'), "10.231.0.9");
  assertEquals(render("{{index .Config.Env 1}}"), "B=2");
  assertEquals(render('{{print "a" "b" 1 2}}'), "ab1 2");
  assertEquals(render("{{println .Id}}"), "abc\n");
});

Deno.test("template: range, if/else if/else, with, comparisons, trim markers", () => {
  assertEquals(
    render("{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"),
    "172.29.0.2 10.231.0.9 ",
  );
  assertEquals(render("{{range .Config.Env}}[{{.}}]{{end}}"), "[A=1][B=2]");
  assertEquals(render("{{range .HostConfig.Binds}}x{{else}}none{{end}}"), "none");
  assertEquals(render("{{if .State.Running}}up{{else}}down{{end}}"), "up");
  assertEquals(
    render(
      '{{if eq .State.Status "exited"}}e{{else if eq .State.Status "running"}}r{{else}}?{{end}}',
    ),
    "r",
  );
  assertEquals(render("{{if ne .State.ExitCode 0}}bad{{else}}ok{{end}}"), "ok");
  // Docker 20.10: `{{if gt .RestartCount 0}}restarted{{end}}` of a restarted container printed restarted.
  assertEquals(
    render('{{gt .State.Pid 0}} {{lt .State.Pid 0}} {{le 2 2}} {{ge 1 2}} {{lt "a" "b"}}'),
    "true false true false true",
  );
  assertEquals(render("{{if gt .State.Pid 4000}}big{{end}}"), "big");
  assertEquals(render("{{if and .State.Running (not .HostConfig.Binds)}}y{{end}}"), "y");
  assertEquals(render("{{or .HostConfig.Binds .Id}}"), "abc");
  assertEquals(render("{{with .State}}{{.Pid}}{{end}}"), "4242");
  assertEquals(render("{{with .Nope}}x{{else}}empty{{end}}"), "empty");
  assertEquals(render("a  {{- .Id -}}  \n b"), "aabcb");
  assertEquals(render("{{/* a comment */}}x"), "x");
  assertEquals(render('{{"}}"}}'), "}}");
});

Deno.test("template: errors are one clear line", () => {
  assertEquals(
    renderError("{{.State.Pid.X}}").includes("can't evaluate field X in type float64"),
    true,
  );
  assertEquals(renderError("{{.Nope.X}}").includes("nil pointer evaluating interface {}.X"), true);
  assertEquals(renderError("{{bogus .Id}}").includes('function "bogus" not defined'), true);
  // Names of a JavaScript object's prototype are no functions of Go's (Docker: the same words).
  for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
    assertEquals(renderError(`{{${name} 1}}`).includes(`function "${name}" not defined`), true);
  }
  assertEquals(renderError("{{.Id").includes("unclosed action"), true);
  assertEquals(renderError("{{if .Id}}x").includes("unexpected EOF"), true);
  assertEquals(renderError("{{end}}").includes("unexpected {{end}}"), true);
  assertEquals(renderError("{{.Id | }}").includes("missing value"), true);
  assertEquals(renderError("{{.Id .Name}}").includes("can't give argument to non-function"), true);
  assertEquals(renderError("{{range .Id}}{{end}}").includes("range can't iterate over abc"), true);
  assertEquals(renderError("{{(.Id}}").includes("unclosed left paren"), true);
  assertEquals(renderError('{{"abc}}').includes("unterminated quoted string"), true);
  assertEquals(renderError("{{upper .State.Pid}}").includes("expected a string"), true);
  // Docker 20.10: `{{gt .Id 1}}` "error calling gt: incompatible types for comparison" and
  // `{{gt .Size}}` "wrong number of args for gt: want 2 got 1", exit 1.
  assertEquals(
    renderError("{{gt .Id 1}}").includes("error calling gt: incompatible types for comparison"),
    true,
  );
  assertEquals(renderError('{{lt .State.Pid "1"}}').includes("incompatible types"), true);
  assertEquals(
    renderError("{{lt .State.Running true}}").includes("invalid type for comparison"),
    true,
  );
  assertEquals(
    renderError("{{gt .Id}}").includes("wrong number of args for gt: want 2 got 1"),
    true,
  );
});
