// Times on the wall are the street's local time (Asia/Shanghai), whatever the display PC is set to.
const hms = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const hm = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });
const md = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit' });

export const formatHms = (t: string | number | Date | null): string => (t == null ? '--:--:--' : hms.format(new Date(t)));
export const formatHm = (t: string | number | Date | null): string => (t == null ? '--:--' : hm.format(new Date(t)));
export const formatMonthDay = (t: string | number | Date): string => md.format(new Date(t));
