#!/bin/sh
# The README's worked example for meetings, as one script: a 接收 meeting for three 发展对象, the 党委's approval,
# and a year later a 转正 meeting with one extension. Run it in an empty folder: sh readme_example.sh
# Not run by `make test` (about 170 commands); tests/meetings/test_cli_meetings.py runs the same two meetings.
set -u
fazhan() { echo "\$ fazhan $*"; "${FAZHAN:-fazhan}" "$@"; echo "[exit $?]"; }
export FAZHAN_DB=支部.db FAZHAN_USER=陈静 FAZHAN_TODAY=2025-12-12

# ---- 准备：组织、名册，三名发展对象已办完第1—14步（据纸质档案补录）
fazhan init
fazhan org add 某大学党委 --kind 基层党委 --may-approve
fazhan org add 计算机学院党支部 --kind 党支部 --parent 某大学党委
for who in 刘建国:书记 张敏:委员 李强:委员; do
  fazhan member add "${who%%:*}" --org 某大学党委 --since 2008-01-01 --post "${who##*:}"
done
for who in 陈静:书记 王芳:组织委员 赵强:委员; do
  fazhan member add "${who%%:*}" --org 计算机学院党支部 --since 2010-01-01 --post "${who##*:}"
done
for name in 孙丽 周伟 吴敏 郑浩 冯雪 何军; do fazhan member add $name --org 计算机学院党支部 --since 2010-01-01; done
fazhan member add 钱多 --org 计算机学院党支部 --since 2025-06-01 --standing 预备
B="--backfill-reason 据纸质档案补录"
for name in 李明 张华 王静; do
  fazhan applicant add $name --org 计算机学院党支部 --sex 男 --birth 2001-04-12
  fazhan advance $name 1 --on 2024-03-04 --set organisation_basis=工作单位党组织 $B
  fazhan advance $name 2 --on 2024-03-20 --set talker=陈静 $B
  fazhan advance $name 3 --on 2024-06-14 --set recommendation=党员推荐 --set members=3 --set present=3 $B
  fazhan advance $name 4 --on 2024-06-28 $B
  fazhan advance $name 5 --on 2024-07-01 --set liaisons=王芳,赵强 $B
  fazhan advance $name 6 --on 2024-12-10 --set summary=表现良好 $B
  fazhan advance $name 6 --on 2025-06-10 --set summary=表现良好 $B
  fazhan advance $name 7 --on 2025-06-16 --set opinions_heard=是 --set members=3 --set present=3 $B
  fazhan advance $name 8 --on 2025-06-27 $B
  fazhan advance $name 9 --on 2025-07-04 --set sponsors=王芳,赵强 $B
  fazhan advance $name 10 --on 2025-09-15 --set result=合格 --set conclusion=政审合格 $B
  fazhan advance $name 11 --on 2025-10-20 --set days=3 $B
  fazhan advance $name 12 --on 2025-11-05 --set members=3 --set present=3 $B
  fazhan advance $name 13 --on 2025-11-20 --set written_notice=是
  fazhan advance $name 14 --on 2025-11-28
done

# ---- 接收预备党员的支部大会：应到9名（钱多是预备党员，不计入），逐个讨论、逐个无记名投票
fazhan meeting open --org 计算机学院党支部 --kind 党员大会 --on 2025-12-12 --chair 陈静 --recorder 王芳
fazhan meeting attend 1 陈静 王芳 赵强 孙丽 周伟 吴敏 郑浩
fazhan meeting attend 1 钱多
fazhan meeting item 1 李明 张华 --purpose 接收预备党员
fazhan meeting item 1 李明 --purpose 接收预备党员
fazhan meeting item 1 张华 --purpose 接收预备党员
fazhan meeting item 1 王静 --purpose 接收预备党员
fazhan meeting opinion 1 冯雪 赞成 --on 2025-12-10
fazhan meeting opinion 1 何军 赞成 --on 2025-12-12
fazhan meeting discuss 1 --text "李明同志入党动机端正，学习工作积极，群众评价好；介绍人王芳、赵强介绍了其培养考察情况。"
fazhan meeting ballot 1 --yes 6 --no 1
fazhan meeting decide 1
fazhan meeting discuss 2 --text "张华同志政治立场坚定，能发挥模范作用；与会党员指出其理论学习有待加强。"
fazhan meeting ballot 2 --yes 7 --method 举手
fazhan meeting ballot 2 --yes 6 --abstain 1
fazhan meeting decide 2
fazhan meeting discuss 3 --text "王静同志表现一般，部分党员认为考察时间内联系群众不够。"
fazhan meeting ballot 3 --yes 4 --no 2 --abstain 1
fazhan meeting decide 3
fazhan meeting close 1
fazhan meeting show 1
fazhan meeting documents 1
fazhan show 王静

# ---- 上级党委谈话和审批（党委会逐个审批）
export FAZHAN_TODAY=2026-01-16
for name in 李明 张华; do fazhan advance $name 16 --on 2025-12-26 --set talker=刘洋 --set talker_role=组织员; done
fazhan meeting open --org 某大学党委 --kind 党委会 --on 2026-01-16 --chair 刘建国 --recorder 李强
fazhan meeting attend 2 刘建国 张敏 李强
fazhan meeting item 2 李明 --purpose 审批 --set received_on=2025-12-18
fazhan meeting item 2 张华 --purpose 审批 --set received_on=2025-12-18
fazhan meeting discuss 4 --text "经审查，李明同志入党手续完备，符合党员条件。"
fazhan meeting ballot 4 --yes 3
fazhan meeting decide 4
fazhan meeting discuss 5 --text "经审查，张华同志入党手续完备，符合党员条件。"
fazhan meeting ballot 5 --yes 3
fazhan meeting decide 5
fazhan meeting close 2
fazhan meeting documents 2

# ---- 预备期：备案、编组、宣誓、考察、转正申请（钱多已于2026年6月1日转正，有了表决权）
export FAZHAN_TODAY=2026-12-14
fazhan member standing 钱多 正式 --since 2026-06-01
for name in 李明 张华; do
  fazhan advance $name 18 --on 2026-01-30 $B
  fazhan advance $name 19 --on 2026-02-02 --set group=第二党小组 $B
  fazhan advance $name 20 --on 2026-02-10 $B
  fazhan advance $name 21 --on 2026-06-30 --set summary=表现良好 $B
  fazhan advance $name 22 --on 2026-11-20 --set in_writing=是
done

# ---- 转正的支部大会：李明按期转正，张华延长预备期六个月
fazhan meeting open --org 计算机学院党支部 --kind 党员大会 --on 2026-12-14 --chair 陈静 --recorder 王芳
fazhan meeting attend 3 陈静 王芳 赵强 孙丽 周伟 吴敏 郑浩 钱多
fazhan meeting item 3 李明 --purpose 转正 --set group_opinion=是 --set opinions_sought=是 --set committee_reviewed=是
fazhan meeting item 3 张华 --purpose 转正 --set group_opinion=是 --set opinions_sought=是 --set committee_reviewed=是
fazhan meeting discuss 6 --text "李明同志预备期内认真履行党员义务，具备党员条件。"
fazhan meeting ballot 6 --yes 8
fazhan meeting decide 6
fazhan meeting discuss 7 --text "张华同志预备期内理论学习仍不够扎实，需要继续考察和教育。"
fazhan meeting ballot 7 --yes 7 --no 1 --months 6
fazhan meeting decide 7
fazhan meeting close 3
fazhan meeting correct 3 --field 记录人 --value 赵强 --reason "会议记录由赵强整理，登记时误填为王芳"
fazhan meeting show 3
fazhan meeting documents 3
fazhan show 张华
fazhan audit verify
