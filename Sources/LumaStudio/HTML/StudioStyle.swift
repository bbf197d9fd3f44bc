/// The studio's one stylesheet: readable, keyboard-visible focus, phone widths first.
enum StudioStyle {
    static let css = """
        :root { --ink: #1d1d1f; --muted: #5f6368; --line: #d0d4d9; --bg: #f7f7f9; --accent: #2456a6;
          --empty: #eceff1; --generated: #e3f2fd; --assigned: #fff3cd; --submitted: #ede7f6; --approved: #dff3e4; --rejected: #fde2e1; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
        .skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
        header .brand { font-weight: 700; text-decoration: none; }
        header nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; }
        .sign-out { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
        .narrow { max-width: 26rem; }
        .field label { display: block; font-weight: 600; }
        input, select, textarea, button { font: inherit; }
        input[type=text], input[type=email], input[type=password], input[type=url], input[type=search], input[type=date], input[type=number], select, textarea { width: 100%; max-width: 26rem; padding: .4rem; border: 1px solid #8a9099; border-radius: 4px; }
        button { padding: .45rem .9rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary { background: #5f6368; } button.danger { background: #b3261e; }
        form.inline { display: inline-flex; gap: .4rem; align-items: center; flex-wrap: wrap; margin: .2rem 0; }
        form.inline label { display: inline; font-weight: 600; } form.inline select, form.inline input { width: auto; }
        .error { color: #b3261e; font-weight: 600; } .notice { color: #1e6b34; font-weight: 600; }
        .error-summary { border: 3px solid #b3261e; padding: .5rem 1rem; background: #fff; }
        .table-scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { border: 1px solid var(--line); padding: .4rem; text-align: left; vertical-align: top; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        .calendar td { height: 6rem; width: 14.28%; } .calendar td.outside { background: var(--bg); }
        .day { display: flex; justify-content: space-between; gap: .25rem; } .date { font-weight: 700; } .counts { font-size: .75rem; color: var(--muted); }
        ul.items { list-style: none; margin: .25rem 0 0; padding: 0; font-size: .85rem; }
        a.item { display: block; padding: .1rem .3rem; border-radius: 3px; margin: .1rem 0; text-decoration: none; color: var(--ink); }
        .badge { font-size: .75rem; border: 1px solid currentColor; border-radius: 3px; padding: 0 .25rem; }
        .status-empty { background: var(--empty); } .status-generated { background: var(--generated); } .status-assigned { background: var(--assigned); }
        .status-submitted { background: var(--submitted); } .status-approved { background: var(--approved); } .status-rejected { background: var(--rejected); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; padding: .75rem; border-radius: 6px; }
        dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
        blockquote { margin: 0; padding-left: 1rem; border-left: 4px solid var(--line); font-style: italic; }
        .rejection { border-color: #b3261e; }
        video { max-width: 100%; background: #000; }
        input[type=file] { max-width: 100%; } progress { width: 100%; max-width: 26rem; }
        nav.month { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
        .calendar .weekday { display: none; }
        form.filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: flex-end; } form.filters .field { margin: .25rem 0; }
        @media (max-width: 40rem) {
          .calendar thead { display: none; } .calendar .weekday { display: inline; } .calendar tr, .calendar td { display: block; width: 100%; height: auto; }
          .calendar td.outside { display: none; }
        }
        """
}
